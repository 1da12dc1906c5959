import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { UsageError, type CliContext } from '../../../src/main/cli/command.js';
import { hooksCommand } from '../../../src/main/cli/commands/hooks.js';
import { hooksFilePath, serverFromTmuxEnv, type HookEvent } from '../../../src/main/hooks/events.js';
import { HookTail } from '../../../src/main/hooks/tail.js';
import { loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import type { SessionTransition } from '../../../src/main/sessions/sink.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { AGENTS_YAML, PrivateTmux, waitUntil } from '../sessions/tmux-fixture.js';

const agents = loadAgentManifests(AGENTS_YAML);

function context(dataDir: string): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const ctx: CliContext = {
    globals: { configDir: '', dbPath: '', dataDir, env: null, tmuxSockets: [], watchDefaultTmux: false, logLevel: 'error', json: false },
    stdout,
    stderr,
    interrupted: new Promise(() => {}),
  };
  return { ctx, out: () => out, err: () => err };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

describe('agent hooks on a private tmux server', () => {
  let tmux: PrivateTmux;
  let dataDir: string;
  let monitor: SessionMonitor | null = null;
  const savedEnv = { TMUX: process.env.TMUX, TMUX_PANE: process.env.TMUX_PANE };

  beforeEach(() => {
    tmux = new PrivateTmux();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-hooks-'));
  });
  afterEach(() => {
    monitor?.stop();
    monitor = null;
    tmux.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /** Runs `architect hooks emit` as a hook inside `pane` would: with that pane's $TMUX and $TMUX_PANE. */
  async function emit(pane: string, state: string, event: string): Promise<void> {
    process.env.TMUX = `/tmp/tmux-${process.getuid?.() ?? 0}/${tmux.socket},1,0`;
    process.env.TMUX_PANE = pane;
    try {
      expect(await hooksCommand.run(['emit', '--agent', 'claude', '--state', state, '--event', event], context(dataDir).ctx)).toBe(0);
    } finally {
      delete process.env.TMUX;
      delete process.env.TMUX_PANE;
    }
  }

  function watch(m: SessionMonitor) {
    const transitions: SessionTransition[] = [];
    m.onChange((_s, t) => transitions.push(...t));
    const until = (what: string, check: (sessions: Session[]) => boolean) => waitUntil((cb) => m.onChange(cb), () => check(m.list()), what);
    const stateOf = (pane: string) => m.list().find((s) => s.paneId === pane)?.state;
    return { transitions, until, stateOf };
  }

  it("a pane's own $TMUX and $TMUX_PANE name the server and pane the monitor knows", async () => {
    const pane = tmux.newSession('dev');
    const out = path.join(dataDir, 'env');
    tmux.type(pane, `echo "$TMUX|$TMUX_PANE" > ${out}`);
    await eventually(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('\n'), 'the pane wrote its environment');
    const [tmuxEnv, paneEnv] = fs.readFileSync(out, 'utf8').trim().split('|');
    expect(serverFromTmuxEnv(tmuxEnv)).toBe(tmux.socket);
    expect(paneEnv).toBe(pane);
  });

  it('a hook moves the pane at once and holds against an unchanged screen; a later screen transition wins', async () => {
    const pane = tmux.newSession('dev_worker1');
    // Hooks stay fresh longer than any wait here: only the screen's own transition can end one.
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents, hooksFile: hooksFilePath(dataDir), hookFreshMs: 60_000, scanIntervalMs: 1_000 });
    const { transitions, until, stateOf } = watch(monitor);
    await monitor.start();
    // (idle again with its own title: the replay does not reset the working spinner's title)
    tmux.type(pane, 'claude claude-2.1.197-idle claude-2.1.197-working claude-2.1.197-idle');
    await until('idle from the screen', () => stateOf(pane) === 'idle');

    await emit(pane, 'working', 'UserPromptSubmit');
    await until('working from the hook', () => stateOf(pane) === 'working');
    expect(transitions.at(-1)).toMatchObject({ to: 'working', ruleId: 'hook:UserPromptSubmit' });
    const explained = await monitor.explain(`${tmux.socket}:${pane}`);
    expect(explained).toMatchObject({ decidedBy: 'hook:UserPromptSubmit', hook: { state: 'working' }, result: { state: 'idle' } });
    // A full re-read (forced by a config reload) sees the screen still at the prompt: the fresh hook holds.
    monitor.setManifests(agents);
    await monitor.scan();
    expect(stateOf(pane)).toBe('working');

    await emit(pane, 'waiting', 'Notification');
    await until('waiting from the hook', () => stateOf(pane) === 'waiting');
    tmux.tmux('send-keys', '-t', pane, 'Enter'); // the screen now moves on by itself: newer than the hook
    await until('working from the screen', () => stateOf(pane) === 'working');
    expect(transitions.at(-1)?.ruleId).toMatch(/^claude-/);
    tmux.tmux('send-keys', '-t', pane, 'Enter');
    await until('idle from the screen', () => transitions.filter((t) => t.to === 'idle').length === 2);

    expect(transitions.filter((t) => t.sessionId.endsWith(pane)).map((t) => t.to)).toEqual(['idle', 'working', 'waiting', 'working', 'idle']);
  });

  it('a stale hook gives way to the screen, and a hook never revives an exited agent', async () => {
    const a = tmux.newSession('a');
    const b = tmux.newSession('b');
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents, hooksFile: hooksFilePath(dataDir), hookFreshMs: 300, scanIntervalMs: 1_000 });
    const { until, stateOf } = watch(monitor);
    await monitor.start();
    tmux.type(a, 'claude claude-2.1.197-idle');
    tmux.type(b, 'claude claude-2.1.197-idle');
    await until('both idle', () => stateOf(a) === 'idle' && stateOf(b) === 'idle');

    await emit(a, 'working', 'UserPromptSubmit');
    await until('a working from the hook', () => stateOf(a) === 'working');
    await until('a idle again once the hook is stale', () => stateOf(a) === 'idle');

    tmux.tmux('send-keys', '-t', b, 'Enter'); // b's agent ends
    await until('b exited', () => stateOf(b) === 'exited');
    await emit(b, 'working', 'UserPromptSubmit');
    await emit(a, 'waiting', 'Notification'); // written after b's: once a has it, b's was read too
    await until('a waiting', () => stateOf(a) === 'waiting');
    expect(stateOf(b)).toBe('exited');
  });

  it('the tail reads whole lines only, skips garbage and follows a rotated file', async () => {
    const file = hooksFilePath(dataDir);
    const seen: HookEvent[] = [];
    const tail = new HookTail(file, (e) => seen.push(e));
    tail.start();
    try {
      const line = (pane: string) => JSON.stringify({ at: new Date().toISOString(), agent: 'claude', state: 'idle', reason: null, event: 'Stop', server: 'x', pane });
      const full = line('%1') + '\n';
      fs.appendFileSync(file, full.slice(0, 20));
      tail.poll();
      expect(seen).toEqual([]);
      fs.appendFileSync(file, full.slice(20) + 'not json\n' + line('%2') + '\n');
      await eventually(() => seen.length === 2, 'both events seen through the watch');
      expect(seen.map((e) => e.pane)).toEqual(['%1', '%2']);

      fs.renameSync(file, `${file}.1`);
      fs.writeFileSync(file, line('%3') + '\n');
      await eventually(() => seen.length === 3, 'the event of the new file');
      expect(seen[2]?.pane).toBe('%3');
    } finally {
      tail.stop();
    }
  });

  it('hooks install prints a snippet and changes no file; emit outside tmux records nothing and still exits 0', async () => {
    const install = context(dataDir);
    expect(await hooksCommand.run(['install', '--agent', 'claude', '--json'], install.ctx)).toBe(0);
    const printed = JSON.parse(install.out()) as { file: string; text: string; eventsFile: string };
    expect(printed.file).toBe('~/.claude/settings.json');
    expect(JSON.parse(printed.text).hooks.Stop[0].hooks[0].command).toContain('hooks emit --agent claude --state idle');
    expect(printed.eventsFile).toBe(hooksFilePath(dataDir));

    delete process.env.TMUX;
    delete process.env.TMUX_PANE;
    const outside = context(dataDir);
    expect(await hooksCommand.run(['emit', '--agent', 'gemini', '--state', 'idle', '--json-reply'], outside.ctx)).toBe(0);
    expect(outside.out()).toBe('{}\n');
    expect(outside.err()).toMatch(/not inside tmux/);
    expect(fs.existsSync(hooksFilePath(dataDir))).toBe(false);

    await expect(hooksCommand.run(['emit', '--state', 'busy'], context(dataDir).ctx)).rejects.toBeInstanceOf(UsageError);
    await expect(hooksCommand.run(['install', '--agent', 'aider'], context(dataDir).ctx)).rejects.toBeInstanceOf(UsageError);
    await expect(hooksCommand.run([], context(dataDir).ctx)).rejects.toBeInstanceOf(UsageError);
  });

  it('hooks install --write merges into the settings file (backup, idempotent, yours kept); --remove undoes it', async () => {
    const home = path.join(dataDir, 'home');
    const settings = path.join(home, '.claude', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    const mine = { theme: 'dark', hooks: { Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }] } };
    fs.writeFileSync(settings, JSON.stringify(mine, null, 2));

    const write = context(dataDir);
    expect(await hooksCommand.run(['install', '--agent', 'claude', '--write', '--home', home], write.ctx)).toBe(0);
    expect(write.out()).toMatch(/settings\.json: installed \(the previous file is .*architect-backup-/);
    const merged = JSON.parse(fs.readFileSync(settings, 'utf8')) as { theme: string; hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
    expect(merged.theme).toBe('dark');
    expect(merged.hooks.Stop!.map((g) => g.hooks[0]!.command)).toEqual(['notify-send done', expect.stringContaining('hooks emit --agent claude --state idle') as string]);
    expect(Object.keys(merged.hooks)).toEqual(expect.arrayContaining(['UserPromptSubmit', 'PermissionRequest', 'Notification', 'SessionEnd']));
    const backups = fs.readdirSync(path.dirname(settings)).filter((f) => f.includes('architect-backup-'));
    expect(backups).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(path.dirname(settings), backups[0]!), 'utf8'))).toEqual(mine);

    // Twice: nothing changes, no second backup.
    const again = context(dataDir);
    expect(await hooksCommand.run(['install', '--agent', 'claude', '--write', '--home', home], again.ctx)).toBe(0);
    expect(again.out()).toMatch(/already installed/);
    expect(fs.readdirSync(path.dirname(settings)).filter((f) => f.includes('architect-backup-'))).toHaveLength(1);

    const remove = context(dataDir);
    expect(await hooksCommand.run(['install', '--agent', 'claude', '--remove', '--home', home], remove.ctx)).toBe(0);
    expect(remove.out()).toMatch(/removed/);
    expect(JSON.parse(fs.readFileSync(settings, 'utf8'))).toEqual(mine);

    // Codex: one notify line at the top level; someone else's notify is never replaced.
    const toml = path.join(home, '.codex', 'config.toml');
    fs.mkdirSync(path.dirname(toml), { recursive: true });
    fs.writeFileSync(toml, 'model = "gpt-5-codex"\n\n[projects."/srv"]\ntrust_level = "trusted"\n');
    expect(await hooksCommand.run(['install', '--agent', 'codex', '--write', '--home', home], context(dataDir).ctx)).toBe(0);
    const lines = fs.readFileSync(toml, 'utf8').split('\n');
    expect(lines[0]).toMatch(/^notify = \["architect",.*"hooks","emit","--agent","codex"/);
    expect(await hooksCommand.run(['install', '--agent', 'codex', '--remove', '--home', home], context(dataDir).ctx)).toBe(0);
    expect(fs.readFileSync(toml, 'utf8')).toBe('model = "gpt-5-codex"\n\n[projects."/srv"]\ntrust_level = "trusted"\n');
    fs.writeFileSync(toml, 'notify = ["my-notifier"]\n');
    await expect(hooksCommand.run(['install', '--agent', 'codex', '--write', '--home', home], context(dataDir).ctx)).rejects.toThrow(/already has a notify program.*nothing was changed/);
    expect(fs.readFileSync(toml, 'utf8')).toBe('notify = ["my-notifier"]\n');
    // A settings file that is not JSON is reported, not overwritten.
    fs.writeFileSync(settings, '{ broken');
    await expect(hooksCommand.run(['install', '--agent', 'claude', '--write', '--home', home], context(dataDir).ctx)).rejects.toThrow(/not valid JSON.*nothing was changed/);
    expect(fs.readFileSync(settings, 'utf8')).toBe('{ broken');
  });

  it('emit in a tmux server no Architect watches records nothing (a global hook stays quiet elsewhere)', async () => {
    const pane = tmux.newSession('not_watched');
    await emit(pane, 'working', 'UserPromptSubmit');
    expect(fs.existsSync(hooksFilePath(dataDir))).toBe(false);
  });
});
