import { EventEmitter } from 'node:events';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, type IpcReply } from '../../src/shared/ipc.js';
import { registerIpcHandlers } from '../../src/main/electron/ipc.js';
import { silentLogger } from '../../src/main/log/logger.js';
import { commandNames } from '../../src/shared/api.js';
import { startTestConsole, type TestConsole } from '../integration/web/console.js';
import { pollUntil } from '../support/poll.js';

// The desktop app's way in: IPC from its windows, against the real core. The
// Electron binary cannot run here; ipcMain and the windows' webContents are small
// stand-ins with the parts the glue uses (handle, id, events, send).

type Handler = (event: IpcMainInvokeEvent, params: unknown) => Promise<IpcReply>;
const handlers = new Map<string, Handler>();
const ipcMain = { handle: (ch: string, fn: Handler) => handlers.set(ch, fn), removeHandler: (ch: string) => handlers.delete(ch) } as unknown as IpcMain;

class FakeWindow extends EventEmitter {
  readonly sent: Array<[string, unknown]> = [];
  destroyed = false;
  constructor(readonly id: number) {
    super();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, event: string, payload: unknown): void {
    if (channel === IPC_EVENT_CHANNEL) this.sent.push([event, payload]);
  }
}

let c: TestConsole;
let pane: string;
let stopIpc: () => void;
const windows = new Map<number, FakeWindow>([1, 2].map((id) => [id, new FakeWindow(id)]));

function call(windowId: number, name: string, params: unknown, frame: { parent: unknown; url: string } = { parent: null, url: 'file:///app/index.html' }): Promise<IpcReply> {
  const sender = windows.get(windowId) ?? new FakeWindow(windowId);
  return handlers.get(IPC_PREFIX + name)!({ sender, senderFrame: frame } as unknown as IpcMainInvokeEvent, params);
}
const viewers = (): number => c.tmux.run('list-clients', '-F', '#{client_name}').split('\n').filter(Boolean).length;

beforeAll(async () => {
  c = await startTestConsole();
  pane = c.tmux.newSession('agent', ['sh'], { width: 100, height: 30 });
  stopIpc = registerIpcHandlers(ipcMain, c.core.handlers, (e) => windows.has(e.sender.id) && e.senderFrame?.parent === null, silentLogger);
  await pollUntil('the pane listed', async () => {
    const r = await call(1, 'sessions.list', {});
    return r.ok && (r.result as { sessions: Array<{ paneId: string }> }).sessions.some((s) => s.paneId === pane);
  }, { limitMs: 20_000 });
});
afterAll(async () => {
  stopIpc?.();
  await c?.stop();
});

describe('IPC from the desktop windows', () => {
  it('hostile payloads on every command: refused with a readable error, nothing changed, nothing polluted', async () => {
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 10_000; i++) at = at.x = {} as Record<string, unknown>;
    const payloads: unknown[] = [null, 42, 'text', [], [1, 2], JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { polluted: true } } }, deep, { id: 'x'.repeat(5_000_000) }, { id: -1 }, { id: 2 ** 60 }];
    const before = (await call(1, 'tasks.list', {})) as { result: { total: number } };
    for (const name of commandNames) {
      for (const p of payloads) {
        const r = await call(1, name, p);
        if (!r.ok) {
          expect(r.error.message.length, name).toBeLessThan(1_500);
          expect(['invalid_params', 'unavailable', 'failed'], `${name}: ${r.error.message}`).toContain(r.error.code);
        }
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const after = (await call(1, 'tasks.list', {})) as { result: { total: number } };
    expect(after.result.total).toBe(before.result.total);
  }, 120_000);

  it('a frame that is not our window\'s top frame runs nothing', async () => {
    expect(await call(3, 'tasks.create', { type: 'x', title: 't', prompt: 'p' })).toMatchObject({ ok: false, error: { message: 'untrusted sender' } });
    expect(await call(1, 'tasks.create', { type: 'x', title: 't', prompt: 'p' }, { parent: {}, url: 'https://evil.example/' })).toMatchObject({ ok: false });
  });

  it('a terminal belongs to its window: output to it alone, closed when its page reloads, not on a hash change', async () => {
    const w1 = windows.get(1)!;
    const w2 = windows.get(2)!;
    const base = viewers();
    const opened = await call(1, 'terminal.open', { sessionId: `${c.tmux.socket}:${pane}` });
    expect(opened.ok).toBe(true);
    const { terminalId } = (opened as { result: { terminalId: string } }).result;
    await pollUntil('output to window 1', () => w1.sent.some(([e]) => e === 'terminal.data'), { limitMs: 10_000 });
    expect(w2.sent.filter(([e]) => e.startsWith('terminal.'))).toEqual([]);
    expect(await call(2, 'terminal.input', { terminalId, data: 'echo hijack\r' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('of yours') } });

    w1.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true }); // #/tasks → #/sessions
    expect(await call(1, 'terminal.ack', { terminalId, bytes: 1 })).toMatchObject({ ok: true });
    w1.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false }); // reload
    await pollUntil('the view closed with the page', () => viewers() === base, { limitMs: 10_000 });
    expect(await call(1, 'terminal.ack', { terminalId, bytes: 1 })).toMatchObject({ ok: false });

    await call(1, 'terminal.open', { sessionId: `${c.tmux.socket}:${pane}` });
    expect(viewers()).toBe(base + 1);
    w1.destroyed = true;
    w1.emit('destroyed');
    await pollUntil('the view closed with the window', () => viewers() === base, { limitMs: 10_000 });
  });
});
