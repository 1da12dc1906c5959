import { buildArchitectApi, isEventName, type ArchitectApi, type CommandName, type EventName } from '../../shared/api';

// The browser side of the web console: provides the same `window.architect` as the
// Electron preload, over one WebSocket speaking JSON-RPC 2.0.

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;
const CALL_TIMEOUT_MS = 30_000;

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> };

/** `no-token`: this tab was not opened from the login URL, so it has no token to present. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'no-token';

export interface WebBridge {
  api: ArchitectApi;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

/** Where this tab keeps the token: sessionStorage is per origin (port included) and per tab. */
const TOKEN_KEY = 'architect.token';
const TOKEN_IN_URL = /^#token=([A-Za-z0-9_-]+)#?(.*)$/;

/**
 * The token from the login URL (`http://127.0.0.1:7420/#token=…`, or the older
 * `?token=…`), moved into sessionStorage and out of the address bar. Never a
 * cookie: a cookie for 127.0.0.1 would reach every server on every port there.
 */
export function takeToken(): string | null {
  const fromHash = TOKEN_IN_URL.exec(location.hash);
  const query = new URLSearchParams(location.search);
  const fromQuery = query.get('token');
  const token = fromHash?.[1] ?? fromQuery;
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    query.delete('token');
    const search = query.toString();
    const hash = fromHash ? (fromHash[2] ? `#${fromHash[2]}` : '') : location.hash;
    history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${hash}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function createWebBridge(url: string, token: string | null): WebBridge {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let delay = RECONNECT_MIN_MS;
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const connectionListeners = new Set<(s: ConnectionState) => void>();

  let state: ConnectionState = 'connecting';
  const setState = (s: ConnectionState): void => {
    state = s;
    connectionListeners.forEach((l) => l(s));
  };

  const connect = (): void => {
    setState('connecting');
    // A browser's WebSocket cannot send headers: the token rides as an offered subprotocol.
    ws = new WebSocket(url, token ? ['architect.rpc', `architect.token.${token}`] : ['architect.rpc']);
    ws.onopen = () => {
      delay = RECONNECT_MIN_MS;
      // The page's subscription first: a new connection would otherwise get every event.
      subscribed = '';
      sendSubscription();
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
  if (token) connect();
  else setState('no-token');

  const invoke = (name: CommandName, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (!token) return reject(new Error('not logged in: open the URL `architect serve` printed (it carries the token)'));
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

  // Subscriptions per page: the server pushes only the events something on the page
  // listens to (sent again whenever that set changes, once per turn).
  let subscribed = '';
  let subscriptionScheduled = false;
  const sendSubscription = (): void => {
    const events = [...listeners.entries()].filter(([, set]) => set.size > 0).map(([e]) => e).sort();
    const key = events.join(',');
    if (key === subscribed || ws?.readyState !== WebSocket.OPEN) return;
    subscribed = key;
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'events.subscribe', params: { events } }));
  };
  const subscriptionChanged = (): void => {
    if (subscriptionScheduled) return;
    subscriptionScheduled = true;
    queueMicrotask(() => {
      subscriptionScheduled = false;
      sendSubscription();
    });
  };

  const api = buildArchitectApi(invoke, (event, listener) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    subscriptionChanged();
    return () => {
      set.delete(listener);
      subscriptionChanged();
    };
  });
  return {
    api,
    onConnection: (l) => {
      connectionListeners.add(l);
      l(state);
      return () => connectionListeners.delete(l);
    },
  };
}
