import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionClients } from '../../../src/main/sessions/control-clients.js';
import { ControlClient, gatedClients } from '../../../src/main/tmux/control-client.js';
import { discover, type Pane } from '../../../src/main/tmux/discover.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { spawnerForSuite } from '../../support/spawner.js';
import { PrivateTmux } from './tmux-fixture.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'control-clients-child.ts');

async function eventually(check: () => boolean, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

// Started by this process (tests, the CLI), or by the console's spawn helper, which hands
// the pipes over (tmux/spawner.ts): the same behaviour either way.
describe.each([
  ['started here', false],
  ['started by the spawn helper', true],
] as const)('SessionClients on a private tmux server, clients %s', (_name, helped) => {
  const tmux = new PrivateTmux();
  let clients: SessionClients | null = null;
  spawnerForSuite(helped);
  const childArgs = [CHILD, tmux.socket, ...(helped ? ['helper'] : [])];
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

  it('a session counts as covered only once tmux answered its client, which is then told once', async () => {
    const server = tmuxServer(tmux.socket);
    tmux.newSession('a');
    tmux.newSession('b');
    const attachedKeys: string[] = [];
    clients = new SessionClients((_s, key) => ({ onOutput: () => {}, onAttached: () => attachedKeys.push(key), onLayoutChange: () => {}, onExit: () => {} }));
    const panes = await discover(server);
    clients.sync(server, panes, true);
    // Started (or on their way), not answered: output is not reported yet, so the panes are not covered.
    for (const p of panes) expect(clients.covers(server, p.sessionId)).toBe(false);
    await eventually(() => panes.every((p) => clients!.covers(server, p.sessionId)), 'both sessions covered');
    expect(attachedKeys.sort()).toEqual(panes.map((p) => `${tmux.socket}:${p.sessionId}`).sort());
    // More output and commands tell nothing more.
    await clients.screen(server, panes[0]!);
    expect(attachedKeys).toHaveLength(2);
    clients.closeAll();
    for (const p of panes) expect(clients.covers(server, p.sessionId)).toBe(false);
  });

  it('commands sent before tmux attached the client run after the attach, when its output is reported', async () => {
    // tmux runs a control client's input as it comes, also before the client's own
    // attach-session: a screen captured then misses what the pane prints until the attach.
    const server = tmuxServer(tmux.socket);
    const pane = tmux.newSession('a');
    const sessionId = tmux.tmux('display-message', '-p', '-t', pane, '#{session_id}').trim();
    // Before the fix at least one of 20 ran unattached (`[]`) in 6 of 8 runs (4 each way).
    for (let i = 0; i < 20; i++) {
      const events: string[] = [];
      const client = new ControlClient(server, sessionId, { onOutput: () => {}, onAttached: () => events.push('attached'), onLayoutChange: () => {}, onExit: () => {} });
      try {
        const reply = client.command("display-message -p '[#{client_session}]'").then((lines) => events.push(`reply ${lines.join('')}`));
        expect(client.attached).toBe(false);
        await reply;
        expect(events).toEqual(['attached', 'reply [a]']);
        expect(client.attached).toBe(true);
      } finally {
        client.close();
      }
    }
  });

  it('a command list answers each command; after an error the skipped rest is rejected and later replies stay in order', async () => {
    const server = tmuxServer(tmux.socket);
    const pane = tmux.newSession('a');
    const sessionId = tmux.tmux('display-message', '-p', '-t', pane, '#{session_id}').trim();
    const client = new ControlClient(server, sessionId, { onOutput: () => {}, onLayoutChange: () => {}, onExit: () => {} });
    try {
      let repliedFirst = false;
      const both = client.commandList(['display-message -p one', 'display-message -p two'], () => (repliedFirst = true));
      expect(await both).toEqual([['one'], ['two']]);
      expect(repliedFirst).toBe(true);
      // tmux runs nothing after the failing command: no reply comes for `skipped`.
      const failing = client.commandList(['capture-pane -p -t %999', 'display-message -p skipped']);
      const next = client.command('display-message -p next');
      await expect(failing).rejects.toThrow(/can't find pane: %999/);
      expect(await next).toEqual(['next']);
    } finally {
      client.close();
    }
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

  /** The tmux clients attached to the private server now (control clients included). */
  function attached(): number {
    return tmux.tmux('list-clients', '-F', '#{client_pid}').split('\n').filter(Boolean).length;
  }

  it('many sessions: clients start a slice per turn, every session gets one, and closeAll in the middle of a start leaves none', async () => {
    const server = tmuxServer(tmux.socket);
    for (let i = 0; i < 40; i++) tmux.newSession(`s${i}`);
    clients = new SessionClients(() => ({ onOutput: () => {}, onLayoutChange: () => {}, onExit: () => {} }));
    const panes = await discover(server);
    clients.sync(server, panes, true);
    expect(clients.size).toBe(40);
    // Closed while starting: the clients started so far end, and none starts afterwards.
    clients.closeAll();
    expect(clients.size).toBe(0);
    await eventually(() => attached() === 0, 'every client of the interrupted start gone');
    await new Promise((r) => setTimeout(r, 300));
    expect(attached()).toBe(0);

    clients.sync(server, panes, true);
    await eventually(() => clients!.starting === 0, 'every client started');
    await eventually(() => attached() === 40, 'a client attached to each of the 40 sessions');
    expect(clients.size).toBe(40);
    clients.closeAll();
    await eventually(() => attached() === 0, 'every client gone after closeAll');
  });

  it('clients ended while others of the server are starting leave the server up (tmux 3.3a crashed on it)', async () => {
    // tmux 3.3a segfaults when a control client ends (a %client-detached to every control
    // client) while another is in the middle of its identify (see ServerGate in
    // control-client.ts). Each client here is closed as soon as tmux answers it, while
    // the next ones are still starting: before the gate the server died within 10 rounds
    // in 5 of 5 tries (on average within 8), 20 sessions, ~0.3 s a round.
    const server = tmuxServer(tmux.socket);
    for (let i = 0; i < 20; i++) tmux.newSession(`r${i}`);
    const serverPid = Number(tmux.tmux('display-message', '-p', '#{pid}').trim());
    const sessionIds = tmux.tmux('list-sessions', '-F', '#{session_id}').trim().split('\n');
    // The same server answers (a crashed one may linger as a zombie: its pid alone says nothing).
    const serverUp = (): boolean => spawnSync('tmux', ['-L', tmux.socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }).stdout.trim() === String(serverPid);
    for (let round = 0; round < 12; round++) {
      const failed: string[] = [];
      await Promise.all(
        sessionIds.map((id) => {
          const client = new ControlClient(server, id, { onOutput: () => {}, onLayoutChange: () => {}, onExit: () => {} });
          return client.command('display-message -p answered').then(
            () => client.close(),
            (err: Error) => failed.push(err.message),
          );
        }),
      );
      await eventually(() => !serverUp() || attached() === 0, `every client of round ${round} gone`);
      expect(serverUp(), `the tmux server is up after round ${round}`).toBe(true);
      expect(failed).toEqual([]);
    }
    await eventually(() => gatedClients() === 0, 'no client held or watched by the gate');
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`no client outlives its console: ${signal} of the process that started them`, async () => {
      for (let i = 0; i < 20; i++) tmux.newSession(`k${i}`);
      const child = spawn(process.execPath, ['--import', 'tsx', ...childArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
      try {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        await eventually(() => out.includes('attached 20'), 'the child started a client per session', 1_200);
        await eventually(() => attached() === 20, 'the 20 clients attached');
        child.kill(signal);
        await eventually(() => attached() === 0, `every client gone after ${signal} of the console`);
      } finally {
        child.kill('SIGKILL');
      }
    });
  }

  it('closeAll ends every client of a process that keeps running', async () => {
    for (let i = 0; i < 20; i++) tmux.newSession(`c${i}`);
    const child = spawn(process.execPath, ['--import', 'tsx', ...childArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      await eventually(() => out.includes('attached 20'), 'the child started a client per session', 1_200);
      await eventually(() => attached() === 20, 'the 20 clients attached');
      child.stdin.write('close\n');
      await eventually(() => out.includes('closed'), 'the child closed its clients');
      await eventually(() => attached() === 0, 'every client gone after closeAll');
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
