import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { commandNames, type Handlers } from '../../shared/api.js';
import { ApiError, dispatch } from '../api/dispatch.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { IPC_PREFIX, IPC_EVENT_CHANNEL } from './channels.js';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/** Replies carried over IPC; errors travel as data so their message survives intact. */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

/** One handler per contract command: trusted sender, zod-parsed params, operator-readable errors. */
export function registerIpcHandlers(ipcMain: IpcMain, handlers: Handlers, isTrusted: SenderCheck, log: Logger): () => void {
  for (const name of commandNames) {
    ipcMain.handle(IPC_PREFIX + name, async (event, params: unknown): Promise<IpcReply> => {
      if (!isTrusted(event)) {
        log.warn('refused an IPC call from an untrusted sender', { command: name, url: event.senderFrame?.url });
        return { ok: false, error: { code: 'unavailable', message: 'untrusted sender' } };
      }
      try {
        return { ok: true, result: await dispatch(handlers, name, params, log) };
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError('failed', String(err));
        return { ok: false, error: { code: e.code, message: e.message } };
      }
    });
  }
  return () => {
    for (const name of commandNames) ipcMain.removeHandler(IPC_PREFIX + name);
  };
}

/** Pushes every contract event to the given windows. */
export function forwardEvents(bus: EventBus, targets: () => WebContents[]): () => void {
  return bus.onAny((event, payload) => {
    for (const wc of targets()) {
      if (!wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, event, payload);
    }
  });
}
