// Workflows on a shared PostgreSQL queue (issue 17): a run's checkpoints are in the
// console's own file (console.db), the tasks it adds and changes in PostgreSQL. Each
// task write commits in PostgreSQL with a once-key row (workflow_task_writes) that the
// step's checkpoint kept before the write, so a console killed between that commit and
// its own checkpoint resumes the step, finds the key and does not write again.
// A real core (the desktop app's composition, startCore) on a throw-away cluster; the
// CLI records runs the console then drives, as an operator's `architect workflow run
// --db postgres://…` does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGlobals } from '../../../src/main/cli/globals.js';
import { workflowCommand } from '../../../src/main/cli/commands/workflow.js';
import { desktopOptions } from '../../../src/main/console-db.js';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { RunStore } from '../../../src/main/store/workflow-runs.js';
import { taskDefaults } from '../../../src/main/tasks/service.js';
import { newOnceKey, SharedWorkflowTasks } from '../../../src/main/workflows/shared-tasks.js';
import { capturedIo } from '../../support/captured-io.js';
import { pollUntil } from '../../support/poll.js';
import { spawnServe, stopChild } from '../../support/processes.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';

const missing = postgresMissing();

const WORKFLOWS = `workflows:
  workflows:
    shared_flow:
      description: "Adds a task to the shared queue, raises its priority, then cancels it if the raise is seen"
      steps:
        - id: "create_task"
          type: "database"
          action: "insert"
          table: "tasks"
          data:
            type: "bug_fix"
            priority: 3
            metadata:
              asked_by: "\${input.who}"
        - id: "raise"
          type: "database"
          action: "update"
          table: "tasks"
          data:
            priority: 8
          where:
            id: "\${steps.create_task.id}"
        - id: "check"
          type: "conditional"
          condition: "\${steps.create_task.priority} == 8"
          if_true:
            type: "database"
            action: "update"
            table: "tasks"
            data:
              status: "cancelled"
            where:
              id: "\${steps.create_task.id}"
`;

describe.skipIf(missing)(`workflows on a shared queue${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let url: string;
  let pool: pg.Pool;
  let dir: string;
  let configDir: string;
  let dataDir: string;
  let core: Core | null = null;

  beforeAll(async () => {
    cluster = await TestPostgres.start({ fast: true });
    url = await cluster.createDatabase();
    pool = new pg.Pool({ connectionString: url, max: 3 });
    await migratePostgres(pool, url, migrations);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-shared-workflows-'));
    configDir = path.join(dir, 'config');
    dataDir = path.join(dir, 'data');
    fs.cpSync(path.resolve('config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    fs.mkdirSync(path.join(configDir, 'local'), { recursive: true });
    fs.writeFileSync(path.join(configDir, 'local', 'overrides.yaml'), WORKFLOWS);
  }, 180_000);

  afterAll(async () => {
    await core?.stop();
    await pool?.end();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const start = async (): Promise<Core> => {
    const options = desktopOptions(['--db', url], { ARCHITECT_CONFIG: configDir, ARCHITECT_DATA_DIR: dataDir });
    return startCore({ ...options, watchDefaultTmux: false, log: silentLogger, runtime: 'node', transport: 'websocket', dispatch: false });
  };
  const cli = async (args: string[], folder = dataDir): Promise<{ code: number; out: string; err: string }> => {
    const globals = { ...parseGlobals(['--db', url, '--config', configDir], { ARCHITECT_DATA_DIR: folder }).globals, logLevel: 'error' as const };
    const io = capturedIo();
    const code = await workflowCommand.run(args, { globals, stdout: io.stdout, stderr: io.stderr, interrupted: new Promise(() => {}) });
    return { code, out: io.out(), err: io.err() };
  };
  const runStatus = async (runId: number): Promise<string> => (await core!.handlers['workflows.getRun']({ id: runId }, undefined)).run.status;
  const own = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(path.join(dataDir, 'console.db'), { readonly: true, fileMustExist: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  const tasksAskedBy = async (who: string) =>
    (await pool.query<{ id: number; priority: number; status: string; title: string }>("SELECT id, priority, status, title FROM tasks WHERE metadata LIKE '%' || $1 || '%' ORDER BY id", [`"asked_by":"${who}"`])).rows;

  it('a run adds a task to the shared queue, changes it and reads it back there, to completion', async () => {
    core = await start();
    const { runId } = await core.handlers['workflows.start']({ name: 'shared_flow', input: { title: 'Login 500s', who: 'ann' } }, undefined);
    await pollUntil('the run completed', async () => ((await runStatus(runId)) === 'completed' ? true : (await runStatus(runId)) === 'failed' ? Promise.reject(new Error(JSON.stringify(await core!.handlers['workflows.getRun']({ id: runId }, undefined)))) : false), { limitMs: 60_000, intervalMs: 200 });
    const [task] = await tasksAskedBy('ann');
    // Written once each, raised, and the raise seen by the condition (read from PostgreSQL): cancelled.
    expect(await tasksAskedBy('ann')).toEqual([{ id: task!.id, priority: 8, status: 'cancelled', title: 'Login 500s' }]);
    const history = (await pool.query<{ to_status: string; reason: string }>('SELECT to_status, reason FROM task_events WHERE task_id = $1 ORDER BY id', [task!.id])).rows;
    expect(history).toEqual([{ to_status: 'cancelled', reason: `set by workflow run ${runId}` }]);
    // Three writes, three once-keys; the run points at the shared task; the console's own file holds no task.
    expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM workflow_task_writes')).rows[0]!.n).toBe(3);
    expect(own((db) => db.prepare('SELECT task_id FROM workflow_runs WHERE id = ?').pluck().get(runId))).toBe(task!.id);
    expect(own((db) => db.prepare('SELECT count(*) FROM tasks').pluck().get())).toBe(0);
    // A task of the run is the task page's, on the shared queue.
    expect((await core.handlers['tasks.get']({ id: task!.id }, undefined)).task).toMatchObject({ title: 'Login 500s', priority: 8, status: 'cancelled' });
    await core.stop();
    core = null;
  }, 120_000);

  it('the state a kill between a task write’s PostgreSQL commit and its checkpoint leaves (made by the engine’s own code), and one before the commit: each resumes to one task', async () => {
    // Two runs recorded by the CLI while no console runs (each then driven by the next console started on this data folder).
    const first = JSON.parse((await cli(['run', 'shared_flow', '--input', 'title=Committed before the kill', '--input', 'who=bob', '--json'])).out) as { runId: number };
    const second = JSON.parse((await cli(['run', 'shared_flow', '--input', 'title=Killed before the commit', '--input', 'who=cy', '--json'])).out) as { runId: number };
    // What a console killed mid-step leaves, written by the same code its engine runs:
    // both runs' first step checkpointed as begun with its once-key (RunStore.begin, as
    // RunExecution.writeSharedTasks does first); the first run's task and its once-key
    // also committed in PostgreSQL (SharedWorkflowTasks.write, the engine's second
    // commit), its step never checkpointed as done (the third commit, lost with the kill).
    const keys = [newOnceKey(), newOnceKey()];
    const file = new Database(path.join(dataDir, 'console.db'));
    try {
      const runs = new RunStore(file);
      runs.begin(first.runId, 'create_task', 0, 1, { data: { type: 'bug_fix', priority: 3, metadata: { asked_by: 'bob' }, title: 'Committed before the kill' }, once_key: keys[0] });
      runs.begin(second.runId, 'create_task', 0, 1, { data: { type: 'bug_fix', priority: 3, metadata: { asked_by: 'cy' }, title: 'Killed before the commit' }, once_key: keys[1] });
    } finally {
      file.close();
    }
    const writes = new SharedWorkflowTasks(new PostgresTaskStore(pool), (type) => taskDefaults(null, type), { kick: () => undefined, settled: async () => undefined });
    const written = await writes.write(keys[0]!, 'insert', { type: 'bug_fix', priority: 3, metadata: { asked_by: 'bob' }, title: 'Committed before the kill' }, {}, 'x');
    expect(await tasksAskedBy('bob')).toHaveLength(1);

    core = await start();
    for (const { runId } of [first, second]) {
      await pollUntil(`run ${runId} completed`, async () => (await runStatus(runId)) === 'completed', { limitMs: 60_000, intervalMs: 200 });
    }
    // The first run found its key: the task written before the kill is the run's, not a second one.
    expect(await tasksAskedBy('bob')).toEqual([{ id: (written as { id: number }).id, priority: 8, status: 'cancelled', title: 'Committed before the kill' }]);
    expect(own((db) => db.prepare('SELECT task_id FROM workflow_runs WHERE id = ?').pluck().get(first.runId))).toBe((written as { id: number }).id);
    // The second found none (nothing had committed) and wrote it, once.
    expect((await tasksAskedBy('cy')).map((t) => [t.priority, t.status])).toEqual([[8, 'cancelled']]);
    const stored = (await pool.query<{ once_key: string }>('SELECT once_key FROM workflow_task_writes WHERE once_key = ANY($1::text[]) ORDER BY once_key', [keys])).rows;
    expect(stored.map((r) => r.once_key).sort()).toEqual([...keys].sort());
  }, 120_000);

  it('a real `serve` SIGKILLed after a task write committed in PostgreSQL and before its own checkpoint: resumed, the run does not write the task twice', async () => {
    const folder = path.join(dir, 'data-kill');
    const args = ['--no-dispatch', '--config', configDir, '--db', url, '--no-default-tmux'];
    // The write is held at its once-key row (a lock on the table), so the console can be caught between its two commits.
    const gate = await pool.connect();
    let serve: Awaited<ReturnType<typeof spawnServe>> | null = null;
    let own: Database.Database | null = null;
    try {
      await gate.query('BEGIN');
      await gate.query('LOCK TABLE workflow_task_writes IN EXCLUSIVE MODE');
      serve = await spawnServe('the console', args, { ARCHITECT_DATA_DIR: folder });
      const { runId } = JSON.parse((await cli(['run', 'shared_flow', '--input', 'title=Killed in the window', '--input', 'who=dee', '--json'], folder)).out) as { runId: number };
      await pollUntil('the write waiting on the gate', async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO workflow_task_writes%'")).rows[0]!.n === 1, { limitMs: 30_000, intervalMs: 50 }).catch((err: Error) => {
        throw new Error(`${err.message}\n${serve!.output().slice(-3000)}`);
      });
      // Its own file's write lock taken here: the checkpoint after the commit waits for it (the console's busy timeout is 5 s).
      own = new Database(path.join(folder, 'console.db'));
      own.pragma('busy_timeout = 20000');
      own.exec('BEGIN IMMEDIATE');
      await gate.query('COMMIT');
      await pollUntil('the write committed in PostgreSQL', async () => (await tasksAskedBy('dee')).length === 1, { limitMs: 4_000, intervalMs: 20 });
      await stopChild(serve.child, 0);
      own.exec('ROLLBACK');
      // Killed in the window: the task and its once-key are in PostgreSQL, the step is still running in the console's file.
      expect(own.prepare("SELECT status FROM workflow_steps WHERE run_id = ? AND step = 'create_task'").pluck().get(runId)).toBe('running');
      own.close();
      own = null;
      const [before] = await tasksAskedBy('dee');

      serve = await spawnServe('the console again', args, { ARCHITECT_DATA_DIR: folder });
      await pollUntil('the run completed', async () => /^run \d+ shared_flow completed/.test((await cli(['show', String(runId)], folder)).out), { limitMs: 60_000, intervalMs: 300 }).catch(async (err: Error) => {
        throw new Error(`${err.message}\n${(await cli(['show', String(runId)], folder)).out}\n${serve!.output().slice(-3000)}`);
      });
      expect(await tasksAskedBy('dee')).toEqual([{ id: before!.id, priority: 8, status: 'cancelled', title: 'Killed in the window' }]);
    } finally {
      own?.close();
      await gate.query('ROLLBACK').catch(() => undefined);
      gate.release();
      if (serve) await stopChild(serve.child);
    }
  }, 180_000);
});
