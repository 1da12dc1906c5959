import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, type CliContext } from '../../../src/main/cli/command.js';
import { agentsCommand } from '../../../src/main/cli/commands/agents.js';
import { sessionsCommand } from '../../../src/main/cli/commands/sessions.js';
import { waitCommand } from '../../../src/main/cli/commands/wait.js';
import { hooksFilePath } from '../../../src/main/hooks/events.js';
import { loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { AGENTS_YAML, PrivateTmux } from './tmux-fixture.js';

function context(socket: string, dataDir = '', interrupted: Promise<void> = new Promise(() => {})): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  let errText = '';
  stdout.on('data', (c) => (text += String(c)));
  stderr.on('data', (c) => (errText += String(c)));
  const ctx: CliContext = {
    globals: { configDir: path.resolve(path.dirname(AGENTS_YAML), '..'), dbPath: '', dataDir, env: null, tmuxSockets: [socket], watchDefaultTmux: false, logLevel: 'error', json: false },
    stdout,
    stderr,
    interrupted,
  };
  return { ctx, out: () => text, err: () => errText };
}

const waitFor = async (what: string, check: () => boolean, limitMs = 20_000) => {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('architect sessions / agents explain', () => {
  const tmux = new PrivateTmux();
  afterEach(() => tmux.cleanup());

  it('lists a private server\'s agent panes and explains one', async () => {
    const pane = tmux.newSession('dev_worker1');
    tmux.type(pane, 'codex codex-0.169.0-idle');
    // The fake agent is up once its screen is there.
    for (let i = 0; i < 100 && !tmux.tmux('capture-pane', '-p', '-t', pane).includes('Ask Codex'); i++) await new Promise((r) => setTimeout(r, 50));
    const list = context(tmux.socket);
    expect(await sessionsCommand.run(['--json'], list.ctx)).toBe(0);
    const sessions = JSON.parse(list.out()) as Array<{ paneId: string; agent: string; state: string; server: string }>;
    expect(sessions.find((s) => s.paneId === pane)).toMatchObject({ agent: 'codex', state: 'idle' });
    // Tests never touch the user's default tmux server: only the private one is listed.
    expect(sessions.map((s) => s.server)).toEqual([tmux.socket]);

    const explain = context(tmux.socket);
    expect(await agentsCommand.run(['explain', `${tmux.socket}:${pane}`], explain.ctx)).toBe(0);
    expect(explain.out()).toMatch(/state\s+idle\s+by rule codex-prompt/);
    expect(explain.out()).toMatch(/=> codex-prompt\s+idle\s+› Ask Codex to do anything/);
  });

  it('scripts: watch --json prints JSON lines only; wait exits 0 on the state, 1 on timeout; clear makes an error idle', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-cli-wait-'));
    const tmux = new PrivateTmux(); // its own: the suite's is cleaned (bin folder and all) after each test
    try {
      const pane = tmux.newSession('worker_err');
      // A real Claude Code error screen, then (at Enter) its next turn.
      tmux.type(pane, 'claude claude-2.1.197-error-billing-captured claude-2.1.197-working-after-error-captured');
      await waitFor('the error screen', () => tmux.tmux('capture-pane', '-p', '-t', pane).includes('Credit balance too low'));

      let stopWatch!: () => void;
      const watch = context(tmux.socket, dataDir, new Promise<void>((r) => (stopWatch = r)));
      const watching = sessionsCommand.run(['--watch', '--json'], watch.ctx);

      const reached = context(tmux.socket, dataDir);
      expect(await waitCommand.run(['worker_err', '--state', 'error', '--timeout', '30'], reached.ctx)).toBe(0);
      expect(reached.out()).toMatch(/worker_err is error \(Credit balance too low/);

      const late = context(tmux.socket, dataDir);
      expect(await waitCommand.run(['worker_err', '--state', 'working,waiting', '--timeout', '0.5'], late.ctx)).toBe(1);
      expect(late.err()).toMatch(/timed out after 0.5 s; worker_err is error, not working or waiting/);

      const clear = context(tmux.socket, dataDir);
      expect(await sessionsCommand.run(['clear', 'worker_err'], clear.ctx)).toBe(0);
      const cleared = context(tmux.socket, dataDir);
      expect(await waitCommand.run(['worker_err', '--state', 'idle', '--timeout', '30', '--json'], cleared.ctx)).toBe(0);
      expect(JSON.parse(cleared.out())).toMatchObject({ state: 'idle', reason: 'cleared', detail: { kind: 'cleared', message: expect.stringContaining('Credit balance too low') as string } });

      // The next turn ends the clearing: the watcher sees it as a change line.
      tmux.tmux('send-keys', '-t', pane, 'Enter');
      await waitFor('the watcher to see the next turn', () => watch.out().includes('"to":"working"'));
      stopWatch();
      expect(await watching).toBe(0);
      const lines = watch.out().trim().split('\n').map((l) => JSON.parse(l) as { type: string; to?: string; sessions?: unknown[] });
      expect(lines[0]).toMatchObject({ type: 'snapshot' });
      expect((lines[0]!.sessions ?? []).length).toBeGreaterThan(0);
      expect(lines.slice(1).every((l) => l.type === 'change')).toBe(true);
      expect(lines.some((l) => l.to === 'idle')).toBe(true); // the clear

      await expect(waitCommand.run(['nobody', '--state', 'idle'], context(tmux.socket, dataDir).ctx)).rejects.toThrow(/no session "nobody"/);
      await expect(waitCommand.run(['worker_err', '--state', 'asleep'], context(tmux.socket, dataDir).ctx)).rejects.toThrow(/"asleep" is not a state/);
    } finally {
      tmux.cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a clear is stored: a console started later reads the error cleared, until the next turn', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-cli-clear-'));
    const tmux = new PrivateTmux();
    const monitors: SessionMonitor[] = [];
    // A console started after the clear's hook event went stale (HOOK_FRESH_MS): only
    // what is stored can tell it.
    const later = async () => {
      const m = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents: loadAgentManifests(AGENTS_YAML), hooksFile: hooksFilePath(dataDir), hookFreshMs: 1, scanIntervalMs: 500 });
      monitors.push(m);
      await m.start();
      return m;
    };
    const stateIn = (m: SessionMonitor) => m.list().find((s) => s.session === 'worker_err');
    try {
      const pane = tmux.newSession('worker_err');
      // A real error screen, its next turn, then the same error again (at each Enter).
      tmux.type(pane, 'claude claude-2.1.332-error-billing-captured claude-2.1.332-working-after-error-captured claude-2.1.332-error-billing-captured');
      await waitFor('the error screen', () => tmux.tmux('capture-pane', '-p', '-t', pane).includes('Credit balance too low'));
      const before = await later();
      await waitFor('the error read', () => stateIn(before)?.state === 'error');
      before.stop();

      const clear = context(tmux.socket, dataDir);
      expect(await sessionsCommand.run(['clear', 'worker_err'], clear.ctx)).toBe(0);
      expect(clear.out()).toMatch(/error cleared \(Credit balance too low/);
      expect(clear.out()).not.toMatch(/not stored/);

      const m = await later();
      await waitFor('the stored clear honoured', () => stateIn(m)?.state === 'idle');
      expect(stateIn(m)).toMatchObject({ state: 'idle', reason: 'cleared', detail: { kind: 'cleared', message: expect.stringContaining('Credit balance too low') as string } });

      // The next turn ends the clear, for good: the same error after it is an error again.
      tmux.tmux('send-keys', '-t', pane, 'Enter');
      await waitFor('the next turn', () => stateIn(m)?.state === 'working');
      tmux.tmux('send-keys', '-t', pane, 'Enter');
      await waitFor('the same error again', () => stateIn(m)?.state === 'error');
      const fresh = await later();
      await waitFor('a fresh console to read the screen', () => stateIn(fresh)?.state !== 'unknown');
      expect(stateIn(fresh)).toMatchObject({ state: 'error', reason: 'billing' });
    } finally {
      for (const m of monitors) m.stop();
      tmux.cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to watch nothing (--no-default-tmux without --tmux-socket)', async () => {
    const { ctx } = context(tmux.socket);
    ctx.globals.tmuxSockets = [];
    await expect(sessionsCommand.run([], ctx)).rejects.toThrow(/--no-default-tmux needs at least one --tmux-socket/);
  });

  it.each([[['--bogus']], [['extra']]])('sessions %j is a usage error', async (args) => {
    await expect(sessionsCommand.run(args, context(tmux.socket).ctx)).rejects.toBeInstanceOf(UsageError);
  });

  it.each([[[]], [['explain']], [['explain', 'a', 'b']], [['list']]])('agents %j is a usage error', async (args) => {
    await expect(agentsCommand.run(args, context(tmux.socket).ctx)).rejects.toBeInstanceOf(UsageError);
  });
});
