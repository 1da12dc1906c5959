// One CLI policy for a config with problems (issue 14): every command that reads the
// config refuses it — each problem at its file:line:col, exit 1 — before it opens the
// database or looks at tmux, and changes nothing; `config check` reports the problems;
// commands that need no config (tasks list/cancel/retry/hold/release, db info) still work.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore } from '../../../src/main/store/store.js';
import { capturedIo } from '../../support/captured-io.js';
import { positionOf, tempConfig, type TempConfig } from '../../unit/config/temp-config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BROKEN = 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 99\n';

let cfg: TempConfig;
let dbPath: string;
let where: string;
let dataDir: string;
const savedDataDir = process.env.ARCHITECT_DATA_DIR;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-policy-data-'));
  process.env.ARCHITECT_DATA_DIR = dataDir;
});
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.ARCHITECT_DATA_DIR;
  else process.env.ARCHITECT_DATA_DIR = savedDataDir;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  cfg = tempConfig();
  dbPath = path.join(path.dirname(cfg.dir), 'queue.db');
  const store = openStore({ path: dbPath, logger: silentLogger });
  store.tasks.add({ type: 'bug_fix', title: 'first', prompt: 'p' });
  store.tasks.add({ type: 'bug_fix', title: 'second', prompt: 'p' });
  store.close();
  cfg.write('local/overrides.yaml', BROKEN);
  const at = positionOf(BROKEN, '99');
  where = `${path.relative(process.cwd(), cfg.path('local/overrides.yaml'))}:${at.line}:${at.col}: environment_routing.bug_fix.priority`;
});
afterEach(() => cfg.remove());

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capturedIo();
  const code = await main(['--config', cfg.dir, '--db', dbPath, '--no-default-tmux', '--log-level', 'error', ...args], { stdout: io.stdout, stderr: io.stderr }, new Promise(() => {}));
  return { code, out: io.out(), err: io.err() };
}

/** Everything a command could have changed: every row of the tables the CLI writes. */
function databaseState(): string {
  const store = openStore({ path: dbPath, logger: silentLogger });
  try {
    const rows = (sql: string) => JSON.stringify(store.reader.prepare(sql).all());
    return [
      rows('SELECT id, status, priority, hold_reason, attempts FROM tasks ORDER BY id'),
      rows('SELECT count(*) AS n FROM task_events'),
      rows('SELECT count(*) AS n FROM workflow_runs'),
      rows('SELECT count(*) AS n FROM notification_deliveries'),
    ].join('\n');
  } finally {
    store.close();
  }
}

describe('a config with problems', () => {
  it('tasks add, as a separate process, is refused at the problem’s file:line:col and adds nothing', () => {
    const before = databaseState();
    for (const extra of [[], ['--priority', '3']]) {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'architect.js'), '--config', cfg.dir, '--db', dbPath, 'tasks', 'add', '--type', 'bug_fix', '--title', 'new', '--prompt', 'p', ...extra], {
        encoding: 'utf8',
        cwd: process.cwd(),
        env: { ...process.env, ARCHITECT_FROM_SOURCE: '1', ARCHITECT_DATA_DIR: dataDir },
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`architect tasks: the config in ${cfg.dir} has 1 problem (architect config check):`);
      expect(r.stderr).toContain(where);
      expect(r.stderr).not.toMatch(/warning|built-in/);
    }
    expect(databaseState()).toBe(before);
  }, 120_000);

  it.each([
    ['tasks add', ['tasks', 'add', '--type', 'bug_fix', '--title', 'new', '--prompt', 'p']],
    ['tasks add --priority', ['tasks', 'add', '--type', 'bug_fix', '--title', 'new', '--prompt', 'p', '--priority', '3']],
    ['explain', ['explain', '1']],
    ['query', ['query', '--list']],
    ['route', ['route', '--dry-run']],
    ['sessions', ['sessions']],
    ['answer', ['answer']],
    ['agents explain', ['agents', 'explain', '%1']],
    ['wait', ['wait', 'worker', '--state', 'idle', '--timeout', '1']],
    ['notify test', ['notify', 'test', 'log']],
    ['workflow list', ['workflow', 'list']],
    ['workflow run', ['workflow', 'run', 'test', '--input', 'project_path=/tmp']],
  ])('%s is refused with the problem’s position and changes nothing', async (_name, args) => {
    const before = databaseState();
    const r = await cli(...args);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(where);
    expect(databaseState()).toBe(before);
  });

  it('config check reports it; commands that need no config still work', async () => {
    const check = await cli('config', 'check');
    expect(check.code).toBe(1);
    expect(check.out).toContain(where);
    const show = await cli('config', 'show');
    expect(show.code).toBe(1);
    expect(show.out + show.err).toContain(where);

    expect((await cli('tasks', 'list')).code).toBe(0);
    expect((await cli('db', 'info')).code).toBe(0);
    const held = await cli('tasks', 'hold', '1', '--reason', 'waiting for review');
    expect(held.code, held.err).toBe(0);
    expect(held.out).toContain('held task 1 blocked');
    expect((await cli('tasks', 'release', '1')).out).toContain('released task 1 pending');
    expect((await cli('tasks', 'cancel', '2')).out).toContain('cancelled task 2 cancelled');
    expect((await cli('tasks', 'retry', '2')).out).toContain('retried task 2 pending');
    expect(databaseState()).toContain('"hold_reason":null');
  });
});
