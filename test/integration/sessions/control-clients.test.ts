import { afterEach, describe, expect, it } from 'vitest';
import { SessionClients } from '../../../src/main/sessions/control-clients.js';
import { discover, type Pane } from '../../../src/main/tmux/discover.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { PrivateTmux } from './tmux-fixture.js';

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

describe('SessionClients on a private tmux server', () => {
  const tmux = new PrivateTmux();
  let clients: SessionClients | null = null;
  afterEach(() => {
    clients?.closeAll();
    tmux.cleanup();
  });

  it('one client per session; a killed session is reported, our own close is not', async () => {
    const server = tmuxServer(tmux.socket);
    tmux.newSession('a');
    const b = tmux.newSession('b');
    const exits: string[] = [];
    clients = new SessionClients((_s, key) => ({ onOutput: () => {}, onLayoutChange: () => {}, onExit: () => exits.push(key) }));
    const panes = await discover(server);
    clients.sync(server, panes, true);
    expect(clients.size).toBe(2);
    const bSession = panes.find((p) => p.paneId === b)!.sessionId;
    // Screens come over the clients.
    tmux.type(b, 'echo over-the-client');
    await eventually(() => tmux.tmux('capture-pane', '-p', '-t', b).includes('over-the-client\n'), 'the pane printed');
    expect((await clients.screen(server, panes.find((p) => p.paneId === b)!)).lines.join('\n')).toContain('over-the-client');

    tmux.tmux('kill-session', '-t', 'b');
    await eventually(() => exits.length === 1, 'the client of the killed session reported its end');
    expect(exits[0]).toBe(`${tmux.socket}:${bSession}`);
    clients.closeAll();
    expect(exits).toHaveLength(1);
  });

  it('does not retry a session it cannot attach to on every rescan', async () => {
    const server = tmuxServer(tmux.socket);
    tmux.newSession('a');
    let exits = 0;
    clients = new SessionClients(() => ({ onOutput: () => {}, onLayoutChange: () => {}, onExit: () => exits++ }));
    const ghost = { ...(await discover(server))[0]!, sessionId: '$999' } satisfies Pane;
    clients.sync(server, [ghost], true);
    expect(clients.size).toBe(1);
    await eventually(() => exits === 1, 'the attach failed');
    clients.sync(server, [ghost], true);
    expect(clients.size).toBe(0);
    expect(clients.commander(server)).toBeNull();
  });
});
