import { describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { commandNames, type Handlers } from '../../../src/shared/api.js';
import { mainWindowOptions, lockDown, TrustedWindows } from '../../../src/main/electron/window.js';
import { registerIpcHandlers, forwardEvents } from '../../../src/main/electron/ipc.js';
import { IPC_PREFIX, IPC_EVENT_CHANNEL, type IpcReply } from '../../../src/shared/ipc.js';
import { EventBus } from '../../../src/main/events/bus.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import type { IpcMain, IpcMainInvokeEvent, WebContents, BrowserWindow } from 'electron';

// The Electron binary cannot run here, so the glue is tested against a mocked
// electron surface: the parts we call are small and typed.

type InvokeHandler = (event: IpcMainInvokeEvent, params: unknown) => Promise<IpcReply>;

function fakeIpcMain() {
  const handlers = new Map<string, InvokeHandler>();
  const ipc = {
    handle: vi.fn((channel: string, fn: InvokeHandler) => handlers.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
  };
  return { ipc: ipc as unknown as IpcMain, handlers };
}

function recordingHandlers(calls: unknown[]): Handlers {
  const table = {} as Record<string, (p: unknown) => unknown>;
  for (const name of commandNames) {
    table[name] = (p: unknown) => {
      calls.push([name, p]);
      if (name === 'tasks.list') return { tasks: [], total: 0, counts: {} };
      return { name };
    };
  }
  return table as unknown as Handlers;
}

/** A window's webContents as the IPC glue sees it: an id, events, send. */
const sender = (id: number) => Object.assign(new EventEmitter(), { id, isDestroyed: () => false, send: vi.fn() });
const event = (id: number, parent: unknown = null, url = 'file:///app/out/renderer/index.html') =>
  ({ sender: sender(id), senderFrame: { parent, url } }) as unknown as IpcMainInvokeEvent;

describe('window options', () => {
  it('isolates and sandboxes the page with no Node in it', () => {
    const o = mainWindowOptions('/p/preload.cjs');
    expect(o.webPreferences).toMatchObject({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
    });
    expect(o.minWidth).toBeLessThanOrEqual(1024);
    expect(o.minHeight).toBeLessThanOrEqual(700);
  });

  it('blocks navigation elsewhere, new windows and permissions, and sets the CSP', () => {
    const contents = new EventEmitter() as EventEmitter & Record<string, unknown>;
    let openHandler: (() => { action: string }) | null = null;
    let permission: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let headers: ((d: { responseHeaders: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | null = null;
    contents.setWindowOpenHandler = (h: () => { action: string }) => (openHandler = h);
    contents.session = {
      setPermissionRequestHandler: (h: typeof permission) => (permission = h),
      webRequest: { onHeadersReceived: (h: typeof headers) => (headers = h) },
    };
    lockDown(contents as unknown as WebContents, (url) => url.startsWith('file:///app/'));

    const nav = (url: string) => {
      const e = { preventDefault: vi.fn() };
      contents.emit('will-navigate', e, url);
      return e.preventDefault.mock.calls.length > 0;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('file:///app/out/renderer/index.html')).toBe(false);
    expect(openHandler!()).toEqual({ action: 'deny' });
    const granted = vi.fn();
    permission!(null, 'media', granted);
    expect(granted).toHaveBeenCalledWith(false);
    let csp: string[] = [];
    headers!({ responseHeaders: {} }, (r) => (csp = r.responseHeaders['Content-Security-Policy'] ?? []));
    expect(csp[0]).toContain("script-src 'self'");
    expect(csp[0]).toContain("object-src 'none'");
  });
});

describe('trusted senders', () => {
  const own = (url: string) => url.startsWith('file:///app/');
  const win = (id: number) => {
    const w = new EventEmitter() as EventEmitter & { webContents: { id: number } };
    w.webContents = { id };
    return w as unknown as BrowserWindow;
  };

  it('accepts only the top frame of a window we created, showing our page', () => {
    const trusted = new TrustedWindows();
    const w = win(7);
    trusted.add(w);
    expect(trusted.isTrusted({ id: 7 }, { parent: null, url: 'file:///app/out/renderer/index.html' }, own)).toBe(true);
    expect(trusted.isTrusted({ id: 8 }, { parent: null, url: 'file:///app/x' }, own)).toBe(false);
    expect(trusted.isTrusted({ id: 7 }, { parent: {}, url: 'file:///app/x' }, own)).toBe(false);
    expect(trusted.isTrusted({ id: 7 }, { parent: null, url: 'https://evil.example/' }, own)).toBe(false);
    (w as unknown as EventEmitter).emit('closed');
    expect(trusted.isTrusted({ id: 7 }, { parent: null, url: 'file:///app/x' }, own)).toBe(false);
  });
});

describe('IPC handler table', () => {
  it('registers exactly one handler per contract command', () => {
    const { ipc, handlers } = fakeIpcMain();
    const stop = registerIpcHandlers(ipc, recordingHandlers([]), () => true, silentLogger);
    expect([...handlers.keys()].sort()).toEqual(commandNames.map((n) => IPC_PREFIX + n).sort());
    stop();
    expect(handlers.size).toBe(0);
  });

  it('runs a command from a trusted sender with parsed params', async () => {
    const calls: unknown[] = [];
    const { ipc, handlers } = fakeIpcMain();
    registerIpcHandlers(ipc, recordingHandlers(calls), (e) => e.sender.id === 1, silentLogger);
    const reply = await handlers.get(IPC_PREFIX + 'tasks.list')!(event(1), { status: 'pending' });
    expect(reply.ok).toBe(true);
    expect(calls).toEqual([['tasks.list', { status: 'pending', limit: 100, offset: 0 }]]);
  });

  it('refuses an untrusted sender without running anything', async () => {
    const calls: unknown[] = [];
    const { ipc, handlers } = fakeIpcMain();
    registerIpcHandlers(ipc, recordingHandlers(calls), (e) => e.sender.id === 1, silentLogger);
    const reply = await handlers.get(IPC_PREFIX + 'app.info')!(event(2), {});
    expect(reply).toEqual({ ok: false, error: { code: 'unavailable', message: 'untrusted sender' } });
    expect(calls).toEqual([]);
  });

  it('rejects an invalid payload with a readable error and does not call the handler', async () => {
    const calls: unknown[] = [];
    const { ipc, handlers } = fakeIpcMain();
    registerIpcHandlers(ipc, recordingHandlers(calls), () => true, silentLogger);
    const reply = await handlers.get(IPC_PREFIX + 'tasks.list')!(event(1), { status: 'exploded', limit: -3 });
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('invalid_params');
      expect(reply.error.message).toMatch(/invalid params for tasks\.list: status: .*; limit: /);
    }
    expect(calls).toEqual([]);
  });

  it('forwards core events to the windows', () => {
    const bus = new EventBus();
    const sent: unknown[] = [];
    const wc = { isDestroyed: () => false, send: (...a: unknown[]) => sent.push(a) } as unknown as WebContents;
    const stop = forwardEvents(bus, () => [wc]);
    const counts = (pending: number) => ({ pending, assigned: 0, in_progress: 0, completed: 0, failed: 0, cancelled: 0, blocked: 0 });
    bus.emit('tasks.changed', { total: 3, counts: counts(3) });
    stop();
    bus.emit('tasks.changed', { total: 4, counts: counts(4) });
    expect(sent).toEqual([[IPC_EVENT_CHANNEL, 'tasks.changed', { total: 3, counts: counts(3) }]]);
  });
});
