import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliContext } from '../../../src/main/cli/command.js';
import { explainCommand } from '../../../src/main/cli/commands/explain.js';
import { routeCommand } from '../../../src/main/cli/commands/route.js';
import { tempStore } from './fixture.js';

const CONFIG = path.resolve(import.meta.dirname, '../../../config');

function context(dbPath: string, configDir = CONFIG): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  return {
    ctx: {
      globals: { configDir, dbPath, dataDir: path.dirname(dbPath), env: null, tmuxSockets: [], watchDefaultTmux: false, logLevel: 'error', json: false },
      stdout,
      stderr,
      interrupted: new Promise(() => undefined),
    },
    out: () => o,
    err: () => e,
  };
}

describe('architect route --dry-run and architect explain', () => {
  let t: ReturnType<typeof tempStore>;
  const savedTmpdir = process.env.TMUX_TMPDIR;
  beforeAll(() => {
    // The default tmux server is looked for here: an empty folder, so no user's sessions leak in.
    process.env.TMUX_TMPDIR = fs.mkdtempSync('/tmp/architect-cli-tmux-');
  });
  afterAll(() => {
    fs.rmSync(process.env.TMUX_TMPDIR!, { recursive: true, force: true });
    if (savedTmpdir === undefined) delete process.env.TMUX_TMPDIR;
    else process.env.TMUX_TMPDIR = savedTmpdir;
  });
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(() => t.cleanup());

  it('route --dry-run prints each queued task with its reason, says no session was found, and assigns nothing', async () => {
    const task = t.store.tasks.add({ type: 'bug_fix', title: 'login' });
    const { ctx, out, err } = context(t.dbPath);
    expect(await routeCommand.run(['--dry-run'], ctx)).toBe(EXIT_OK);
    expect(out()).toContain(`#${task.id} bug_fix: queued: no idle session among [dev_worker2, codex]; dev_worker2 is not running`);
    expect(out()).toContain('0 of 1 queued task would be assigned');
    expect(err()).toContain('routing as if no session were running');
    expect(t.store.tasks.get(task.id)?.status).toBe('pending');
  });

  it('route --dry-run --json gives the contract decisions', async () => {
    t.store.tasks.add({ type: 'bug_fix', title: 'login' });
    const { ctx, out } = context(t.dbPath);
    await routeCommand.run(['--dry-run', '--json'], ctx);
    expect(JSON.parse(out())).toMatchObject({ sessions: 0, decisions: [{ taskId: 1, taskType: 'bug_fix', kind: 'queued', session: null }] });
  });

  it('a draft config with problems routes nothing and says where', async () => {
    const draft = path.join(t.dir, 'config');
    fs.cpSync(CONFIG, draft, { recursive: true });
    fs.appendFileSync(path.join(draft, 'base', 'routing_rules.yaml'), '\nnot_a_key: 1\n');
    const { ctx } = context(t.dbPath, draft);
    // Thrown to the CLI's main, which prints it and exits 1 (EXIT_PROBLEM).
    await expect(routeCommand.run(['--dry-run'], ctx)).rejects.toThrow(/routing_rules\.yaml:\d+:\d+: .*not_a_key/);
  });

  it('usage errors', async () => {
    const { ctx } = context(t.dbPath);
    await expect(routeCommand.run([], ctx)).rejects.toThrow(UsageError);
    await expect(routeCommand.run(['--dry-run', '--bogus'], ctx)).rejects.toThrow(UsageError);
    await expect(explainCommand.run([], ctx)).rejects.toThrow('explain needs a TASK_ID');
    await expect(explainCommand.run(['abc'], ctx)).rejects.toThrow('TASK_ID is a positive integer');
  });

  it('explain prints the trail; an unknown task is a problem, not a crash', async () => {
    const task = t.store.tasks.add({ type: 'bug_fix', title: 'login' });
    t.store.decisions.append({ kind: 'route', taskId: task.id, decision: 'queued', reason: 'queued: no idle session among [dev_worker2]' });
    const ok = context(t.dbPath);
    expect(await explainCommand.run([String(task.id)], ok.ctx)).toBe(EXIT_OK);
    expect(ok.out()).toContain('task #1 "login" (bug_fix, priority 5): pending');
    expect(ok.out()).toContain('queued: no idle session among [dev_worker2]');
    const missing = context(t.dbPath);
    expect(await explainCommand.run(['99'], missing.ctx)).toBe(EXIT_PROBLEM);
    expect(missing.err()).toContain('task 99 does not exist');
  });
});
