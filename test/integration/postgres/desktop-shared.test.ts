import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktopOptions } from '../../../src/main/console-db.js';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { parseGlobals } from '../../../src/main/cli/globals.js';
import { workflowCommand } from '../../../src/main/cli/commands/workflow.js';
import { openStore } from '../../../src/main/store/store.js';
import { capturedIo } from '../../support/captured-io.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';

// The desktop app on a shared queue: its main process composed as index.ts composes it
// (desktopOptions from its command line and environment, then startCore with Electron's
// runtime and IPC transport; Electron itself cannot run here). Given --db postgres://…
// (or ARCHITECT_DB_URL) it is a console on that queue, as `architect serve` is: its tasks
// are PostgreSQL's, its own state is console.db in its data folder.
const missing = postgresMissing();

describe.skipIf(missing)(`the desktop app on a shared queue${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let url: string;
  let dir: string;
  let configDir: string;
  let pool: pg.Pool;
  beforeAll(async () => {
    cluster = await TestPostgres.start({ fast: true });
    url = await cluster.createDatabase();
    pool = new pg.Pool({ connectionString: url, max: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-desktop-pg-'));
    configDir = path.join(dir, 'config');
    fs.cpSync(path.resolve('config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
  }, 180_000);
  afterAll(async () => {
    await pool?.end();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = async (argv: string[], env: NodeJS.ProcessEnv): Promise<Core> => {
    const options = desktopOptions(argv, { ARCHITECT_CONFIG: configDir, ...env });
    return startCore({ ...options, watchDefaultTmux: false, log: silentLogger, runtime: 'electron', transport: 'ipc', dispatch: false });
  };

  it('with --db postgres://… its tasks are the shared queue’s: added, held, released and listed there', async () => {
    const dataDir = path.join(dir, 'data-argv');
    const core = await start(['.', '--db', url], { ARCHITECT_DATA_DIR: dataDir });
    try {
      expect(core.info.dbPath).toBe(`${url} (shared queue; this console's own state in ${path.join(dataDir, 'console.db')})`);
      const task = await core.handlers['tasks.create']({ type: 'bug_fix', title: 'from the desktop', prompt: 'p' }, undefined);
      expect((await pool.query('SELECT title, status FROM tasks WHERE id = $1', [task.id])).rows).toEqual([{ title: 'from the desktop', status: 'pending' }]);
      // /metrics counts the shared queue's tasks, not its own empty file's.
      const metrics = core.routes.find((r) => r.method === 'GET' && r.match('/metrics'))!;
      const text = String((await metrics.handle({ url: new URL('http://127.0.0.1/metrics'), params: {}, body: null })).body);
      expect(text).toContain('architect_tasks{status="pending"} 1');
      expect(text).toContain('architect_open_tasks{status="pending",type="bug_fix"} 1');
      expect(await core.handlers['tasks.hold']({ id: task.id, reason: 'later' }, undefined)).toMatchObject({ status: 'blocked', holdReason: 'later' });
      expect(await core.handlers['tasks.release']({ id: task.id }, undefined)).toMatchObject({ status: 'pending' });
      const listed = await core.handlers['tasks.list']({ limit: 10, offset: 0 }, undefined);
      expect(listed.tasks.map((t) => t.title)).toEqual(['from the desktop']);
    } finally {
      await core.stop();
    }
    // Its own file holds no task.
    const own = openStore({ path: path.join(dataDir, 'console.db'), logger: silentLogger });
    try {
      expect(own.tasks.counts().pending).toBe(0);
    } finally {
      own.close();
    }
  }, 120_000);

  it('with ARCHITECT_DB_URL too, and a second desktop console on the same queue sees the first one’s tasks', async () => {
    const core = await start([], { ARCHITECT_DATA_DIR: path.join(dir, 'data-env'), ARCHITECT_DB_URL: url });
    try {
      const listed = await core.handlers['tasks.list']({ limit: 10, offset: 0 }, undefined);
      expect(listed.tasks.map((t) => t.title)).toEqual(['from the desktop']);
    } finally {
      await core.stop();
    }
  }, 120_000);

  it('`architect workflow … --db postgres://…` records a run in the console’s own file, where that console drives it on the shared queue', async () => {
    const dataDir = path.join(dir, 'data-workflow');
    const core = await start(['--db', url], { ARCHITECT_DATA_DIR: dataDir });
    try {
      const globals = { ...parseGlobals(['--db', url, '--config', configDir], { ARCHITECT_DATA_DIR: dataDir }).globals, logLevel: 'error' as const };
      const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
        const io = capturedIo();
        const code = await workflowCommand.run(args, { globals, stdout: io.stdout, stderr: io.stderr, interrupted: new Promise(() => {}) });
        return { code, out: io.out(), err: io.err() };
      };
      const started = await cli(['run', 'bug_fix', '--input', 'title=Login 500s', '--json']);
      expect(started.err).toBe('');
      const { runId } = JSON.parse(started.out) as { runId: number };
      // The console drives it: its task goes to the shared queue, marked urgent there by its route step (no agent takes it here).
      await pollUntil('the run ended', async () => /^run \d+ bug_fix (completed|failed)/.test((await cli(['show', String(runId)])).out), { limitMs: 30_000 });
      expect((await cli(['show', String(runId)])).out).toMatch(/^run \d+ bug_fix completed/);
      const added = (await pool.query<{ title: string; priority: number; urgent: number }>("SELECT title, priority, urgent FROM tasks WHERE title = 'Login 500s'")).rows;
      expect(added).toEqual([{ title: 'Login 500s', priority: 9, urgent: 1 }]);
      expect((await cli(['runs', '--json'])).out).toContain('"workflow": "bug_fix"');
    } finally {
      await core.stop();
    }
  }, 120_000);
});
