import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, type CliContext } from '../../../src/main/cli/command.js';
import { agentsCommand } from '../../../src/main/cli/commands/agents.js';
import { sessionsCommand } from '../../../src/main/cli/commands/sessions.js';
import { AGENTS_YAML, PrivateTmux } from './tmux-fixture.js';

function context(socket: string): { ctx: CliContext; out: () => string } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c) => (text += String(c)));
  const ctx: CliContext = {
    globals: { configDir: path.resolve(path.dirname(AGENTS_YAML), '..'), dbPath: '', dataDir: '', env: null, tmuxSockets: [socket], watchDefaultTmux: false, logLevel: 'error', json: false },
    stdout,
    stderr: new PassThrough(),
    interrupted: new Promise(() => {}),
  };
  return { ctx, out: () => text };
}

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
