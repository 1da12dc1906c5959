// A console on a shared PostgreSQL queue keeps its own state in its own file, pointing
// at the shared tasks by their ids: its SLA alerts link to the shared task (migration
// 020 took the foreign key to its own, empty, tasks table off), and an answer given
// from its Attention page is recorded in the shared queue's decision trail, beside the
// task the session holds there (as `architect answer --db postgres://…` records it),
// not in its own file. A real core (startCore) on a throw-away cluster, a scripted
// agent in a private tmux server.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { AttentionConsole, type Agent } from '../attention/harness.js';

const missing = postgresMissing();

describe.skipIf(missing)(`a console on a shared queue points at the shared tasks${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let pool: pg.Pool;
  let queue: PostgresTaskStore;
  let c: AttentionConsole;
  let agent: Agent;
  let late = 0;

  beforeAll(async () => {
    cluster = await TestPostgres.start({ fast: true });
    const url = await cluster.createDatabase();
    pool = new pg.Pool({ connectionString: url, max: 3 });
    await migratePostgres(pool, url, migrations);
    queue = new PostgresTaskStore(pool);
    // A shell task 10 minutes old: past its 5-minute target (critical) when the console starts.
    late = (await queue.add({ type: 'shell', title: 'late', prompt: 'p', priority: 5 })).id;
    await pool.query("UPDATE tasks SET created_at = to_char((now() AT TIME ZONE 'UTC') - interval '10 minutes', 'YYYY-MM-DD HH24:MI:SS.MS') WHERE id = $1", [late]);
    c = new AttentionConsole('version: "1.0"\n');
    agent = c.agent('dev_worker1');
    await c.start(parsePostgresUrl(url, 'test'));
  }, 180_000);

  afterAll(async () => {
    await c?.stop();
    await pool?.end();
    await cluster?.stop();
  }, 60_000);

  const own = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(c.dbPath, { readonly: true, fileMustExist: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };

  it('an SLA alert links to its shared task (task_id is the shared id), kept in the console’s own file', async () => {
    const alert = await pollUntil('the alert for the late task', async () => (await c.call('alerts.list', { limit: 50 })).alerts.find((a) => a.level === 'critical') ?? null, { limitMs: 60_000, intervalMs: 300 });
    expect(alert).toMatchObject({ taskId: late, kind: 'sla', message: expect.stringContaining(`task #${late}`) });
    expect(own((db) => db.prepare("SELECT task_id FROM notifications WHERE kind = 'sla'").pluck().all())).toEqual([late]);
    // The console's own tasks table is still empty; the shared database holds no alert.
    expect(own((db) => db.prepare('SELECT count(*) FROM tasks').pluck().get())).toBe(0);
    expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications')).rows[0]!.n).toBe(0);
  }, 90_000);

  it('an answer from the console is recorded in the shared decisions, beside the task the session holds there', async () => {
    await pollUntil('the agent drawn', () => c.tmux.run('capture-pane', '-p', '-t', agent.pane).includes('? for shortcuts'), { limitMs: 15_000 });
    const held = await queue.add({ type: 'bug_fix', title: 'held by dev_worker1', prompt: 'p', priority: 5 });
    expect(await queue.claimMany([{ taskId: held.id, session: agent.name, reason: 'test' }], [], new Date())).toHaveLength(1);
    agent.cue('approval');
    await pollUntil('the agent waiting', async () => (await c.session(agent.name))?.state === 'waiting', { limitMs: 30_000, intervalMs: 200 });
    const o = await c.call('attention.answer', { sessionId: agent.name, option: 3, by: 'carol' });
    expect(o).toMatchObject({ outcome: 'answered' });
    expect(agent.answers()).toEqual([{ screen: 'approval', key: '3' }]);
    const rows = (await pool.query<{ decision: string; reason: string; task_id: number | null }>("SELECT decision, reason, task_id FROM decisions WHERE kind = 'answer' ORDER BY id")).rows;
    expect(rows).toEqual([{ decision: 'answered 3. No', reason: expect.stringMatching(new RegExp(`^carol answered "Do you want to proceed\\?" on ${agent.name}`)), task_id: held.id }]);
    expect(own((db) => db.prepare("SELECT count(*) FROM decisions WHERE kind = 'answer'").pluck().get())).toBe(0);
  }, 90_000);
});
