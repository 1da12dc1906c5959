import { randomBytes } from 'node:crypto';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { commandNames, type Caller, type Handlers } from '../../shared/api.js';
import { ApiError, dispatch } from '../api/dispatch.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { rateLimited } from '../log/rate-limit.js';
import { IPC_PREFIX, IPC_EVENT_CHANNEL, type IpcReply } from '../../shared/ipc.js';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;


/** Refusals and bad calls logged per minute: a page stuck in a loop must not fill the log. */
const LOGGED_MISTAKES_PER_MINUTE = 20;
const MINUTE_MS = 60_000;

/** What registerIpcHandlers needs of a window's webContents (Electron's, or a test's stand-in). */
export type IpcSender = Pick<WebContents, 'id' | 'send' | 'isDestroyed' | 'once' | 'on'>;

/**
 * A caller per page load of a window: what it opened (terminals) is closed when the
 * page reloads or navigates away, when its renderer dies and when the window closes.
 */
export class WindowCallers {
  private readonly callers = new Map<number, { caller: Caller; gone: Array<() => void> }>();

  constructor(private readonly readOnly = false) {}

  of(sender: IpcSender): Caller {
    const known = this.callers.get(sender.id);
    if (known) return known.caller;
    const gone: Array<() => void> = [];
    const caller: Caller = {
      id: `window-${sender.id}-${randomBytes(4).toString('hex')}`,
      readOnly: this.readOnly,
      notify: (event, payload) => {
        if (!sender.isDestroyed()) sender.send(IPC_EVENT_CHANNEL, event, payload);
      },
      onGone: (fn) => gone.push(fn),
    };
    this.callers.set(sender.id, { caller, gone });
    const end = (): void => {
      if (this.callers.get(sender.id)?.caller !== caller) return;
      this.callers.delete(sender.id);
      for (const fn of gone.splice(0)) fn();
    };
    sender.once('destroyed', end);
    sender.on('render-process-gone', end);
    // A reload or a navigation (not a hash change: that is the same document).
    sender.on('did-start-navigation', (details: { isMainFrame: boolean; isSameDocument: boolean }) => {
      if (details.isMainFrame && !details.isSameDocument) end();
    });
    return caller;
  }
}

/** One handler per contract command: trusted sender, zod-parsed params, operator-readable errors. */
export function registerIpcHandlers(ipcMain: IpcMain, handlers: Handlers, isTrusted: SenderCheck, log: Logger, callers = new WindowCallers()): () => void {
  const quiet = rateLimited(log, LOGGED_MISTAKES_PER_MINUTE, MINUTE_MS);
  for (const name of commandNames) {
    ipcMain.handle(IPC_PREFIX + name, async (event, params: unknown): Promise<IpcReply> => {
      if (!isTrusted(event)) {
        quiet.warn('refused an IPC call from an untrusted sender', { command: name, url: event.senderFrame?.url?.slice(0, 200) });
        return { ok: false, error: { code: 'unavailable', message: 'untrusted sender' } };
      }
      try {
        return { ok: true, result: await dispatch(handlers, name, params, callers.of(event.sender), quiet) };
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
