import { contextBridge, ipcRenderer } from 'electron';
import { buildArchitectApi, isEventName, type EventName } from '../shared/api.js';
import { IPC_PREFIX, IPC_EVENT_CHANNEL, type IpcReply } from '../shared/ipc.js';

// Exposes exactly the contract as `window.architect`: one function per command and
// `on(event)` for the contract's events. No generic invoke, no ipcRenderer, no process.

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (!isEventName(name)) return;
  for (const listener of listeners.get(name) ?? []) listener(payload);
});

const api = buildArchitectApi(
  async (name, params) => {
    const reply = (await ipcRenderer.invoke(IPC_PREFIX + name, params)) as IpcReply;
    if (reply.ok) return reply.result;
    throw new Error(reply.error.message);
  },
  (event, listener) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
);

contextBridge.exposeInMainWorld('architect', api);
