import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TERMINALS_PER_CLIENT } from '../../../src/main/terminal/terminal-service.js';
import { pollUntil } from '../../support/poll.js';
import { RpcClient, startTestConsole, type TestConsole } from './console.js';

// Terminals belong to the client that opened them: output to it alone, input from
// it alone, closed when it goes, capped; and looking never resizes the agent's pane.

let c: TestConsole;
let pane: string;
const sessionId = (p = pane): string => `${c.tmux.socket}:${p}`;
const size = (p = pane): string => c.tmux.run('display-message', '-p', '-t', p, '#{pane_width}x#{pane_height}').trim();
const tmuxClients = (): number => c.tmux.run('list-clients', '-F', '#{client_name}').split('\n').filter(Boolean).length;

async function listed(paneId: string): Promise<void> {
  const rpc = await RpcClient.connect(c);
  await pollUntil(`${paneId} listed`, async () => {
    const r = (await rpc.call('sessions.list')).result as { sessions: Array<{ paneId: string }> };
    return r.sessions.some((s) => s.paneId === paneId);
  }, { limitMs: 20_000 });
  rpc.close();
}

beforeAll(async () => {
  c = await startTestConsole();
  // A plain sh: a login shell may spend a while in its rc files before it reads a key.
  pane = c.tmux.newSession('agent', ['sh'], { width: 200, height: 50 });
  await listed(pane);
});
afterAll(async () => c?.stop());

describe('terminals over the WebSocket', () => {
  it('take the pane\'s size and never change it', async () => {
    const a = await RpcClient.connect(c);
    const r = await a.call('terminal.open', { sessionId: sessionId() });
    expect(r.result).toMatchObject({ cols: 200, rows: 50 });
    await a.waitFor((n) => n.method === 'terminal.data');
    expect(size()).toBe('200x50');
    a.close();
  });

  it('send output to the client that opened them only; another client cannot type into them', async () => {
    const a = await RpcClient.connect(c);
    const b = await RpcClient.connect(c);
    const { terminalId } = (await a.call('terminal.open', { sessionId: sessionId() })).result as { terminalId: string };
    const typed = await b.call('terminal.input', { terminalId, data: 'echo from-b\r' });
    expect(typed.error?.message).toContain('of yours');
    expect((await b.call('terminal.close', { terminalId })).error?.message).toContain('of yours');
    await a.call('terminal.input', { terminalId, data: 'echo from-a-$((1+1))\r' });
    // Output comes in batches, and a word may straddle two.
    const seenByA = (): string => a.notifications.filter((n) => n.method === 'terminal.data').map((n) => (n.params as { data: string }).data).join('');
    await pollUntil('the pane\'s output at the client that opened it', () => seenByA().includes('from-a-2'), { limitMs: 30_000 });
    expect(b.notifications.filter((n) => n.method.startsWith('terminal.'))).toEqual([]);
    a.close();
    b.close();
  }, 60_000);

  it('are closed when their client disconnects', async () => {
    // Views of the clients before may still be closing: wait for the count to settle.
    let last = -1;
    const before = await pollUntil('a steady count of tmux clients', async () => {
      const now = tmuxClients();
      const steady = now === last;
      last = now;
      await new Promise((r) => setTimeout(r, 300));
      return steady ? now + 1 : null;
    }, { limitMs: 10_000 }) - 1;
    const a = await RpcClient.connect(c);
    for (let i = 0; i < 3; i++) expect((await a.call('terminal.open', { sessionId: sessionId() })).error).toBeUndefined();
    await pollUntil('three more tmux clients', () => tmuxClients() === before + 3, { limitMs: 10_000 });
    a.close();
    await pollUntil('the views closed', () => tmuxClients() === before, { limitMs: 10_000 });
  });

  it('are capped per client', async () => {
    const a = await RpcClient.connect(c);
    for (let i = 0; i < MAX_TERMINALS_PER_CLIENT; i++) expect((await a.call('terminal.open', { sessionId: sessionId() })).error).toBeUndefined();
    const refused = await a.call('terminal.open', { sessionId: sessionId() });
    expect(refused.error?.message).toMatch(/the most one client may/);
    const b = await RpcClient.connect(c);
    expect((await b.call('terminal.open', { sessionId: sessionId() })).error).toBeUndefined();
    a.close();
    b.close();
  });

  it('tell their client when the pane closes (terminal.exit)', async () => {
    const doomed = c.tmux.newSession('doomed', ['sh'], { width: 80, height: 24 });
    await listed(doomed);
    const a = await RpcClient.connect(c);
    const { terminalId } = (await a.call('terminal.open', { sessionId: sessionId(doomed) })).result as { terminalId: string };
    c.tmux.run('kill-session', '-t', 'doomed');
    const exit = await a.waitFor((n) => n.method === 'terminal.exit');
    expect(exit.params).toMatchObject({ terminalId });
    a.close();
  });
});
