import { buildArchitectApi, isEventName, type ArchitectApi, type CommandName, type EventName } from '../../shared/api';

// The browser side of the web console: provides the same `window.architect` as the
// Electron preload, over one WebSocket speaking JSON-RPC 2.0.

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;
const CALL_TIMEOUT_MS = 30_000;

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> };

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface WebBridge {
  api: ArchitectApi;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

export function createWebBridge(url: string): WebBridge {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let delay = RECONNECT_MIN_MS;
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const connectionListeners = new Set<(s: ConnectionState) => void>();

  const setState = (s: ConnectionState): void => connectionListeners.forEach((l) => l(s));

  const connect = (): void => {
    setState('connecting');
    ws = new WebSocket(url);
    ws.onopen = () => {
      delay = RECONNECT_MIN_MS;
      setState('open');
      while (queue.length) ws?.send(queue.shift() as string);
    };
    ws.onmessage = (ev) => {
      let msg: { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (typeof msg.id === 'number') {
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error) p.reject(new Error(msg.error.message));
        else p.resolve(msg.result);
      } else if (msg.method && isEventName(msg.method)) {
        listeners.get(msg.method)?.forEach((l) => l(msg.params));
      }
    };
    ws.onclose = () => {
      setState('closed');
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new Error('connection to the console was lost; retrying'));
        pending.delete(id);
      }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    };
  };
  connect();

  const invoke = (name: CommandName, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name} timed out`));
      }, CALL_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      const frame = JSON.stringify({ jsonrpc: '2.0', id, method: name, params });
      if (ws?.readyState === WebSocket.OPEN) ws.send(frame);
      else queue.push(frame);
    });

  const api = buildArchitectApi(invoke, (event, listener) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  });
  return {
    api,
    onConnection: (l) => {
      connectionListeners.add(l);
      return () => connectionListeners.delete(l);
    },
  };
}
