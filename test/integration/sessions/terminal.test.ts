import { afterEach, describe, expect, it } from 'vitest';
import { TerminalService } from '../../../src/main/terminal/terminal-service.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { PrivateTmux } from './tmux-fixture.js';

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

describe('TerminalService', () => {
  const tmux = new PrivateTmux();
  const service = new TerminalService();
  afterEach(() => {
    service.closeAll();
    tmux.cleanup();
  });

  it('types into a pane through two viewers and closing them leaves the agent alone', async () => {
    const pane = tmux.newSession('agent', 120, 40);
    const server = tmuxServer(tmux.socket);
    const a = await service.open(server, pane, { cols: 80, rows: 24 });
    const b = await service.open(server, pane, { cols: 100, rows: 30 });
    let seenA = '';
    let seenB = '';
    service.onData(a.id, (d) => (seenA += d));
    service.onData(b.id, (d) => (seenB += d));
    await eventually(() => tmux.tmux('list-clients', '-F', '#{client_session}').split('\n').filter((s) => s.startsWith('architect-view-')).length === 2, 'two viewers attached');

    service.write(a.id, 'echo typed-$((6*7))\r');
    await eventually(() => tmux.tmux('capture-pane', '-p', '-t', pane).includes('typed-42'), 'the command ran in the pane');
    await eventually(() => seenA.includes('typed-42') && seenB.includes('typed-42'), 'both viewers saw the output');
    service.resize(b.id, 90, 20);
    // Viewers live in their own grouped sessions; the agent's session is untouched.
    expect(tmux.tmux('list-sessions', '-F', '#{session_name}:#{session_group_size}').split('\n')).toContain('agent:3');

    service.close(a.id);
    service.close(b.id);
    await eventually(() => !tmux.tmux('list-sessions', '-F', '#{session_name}').includes('architect-view-'), 'viewer sessions gone');
    expect(tmux.tmux('list-panes', '-a', '-F', '#{pane_id}').trim()).toBe(pane);
    expect(() => service.write(a.id, 'x')).toThrow(/no open terminal/);
  });

  it('refuses something that is not a pane id', async () => {
    await expect(service.open(tmuxServer(tmux.socket), '; rm -rf /', { cols: 80, rows: 24 })).rejects.toThrow(/not a pane id/);
  });
});
