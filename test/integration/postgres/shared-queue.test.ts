import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { openPool } from '../../../src/main/store/postgres/pool.js';
import { addTask, claimNextForSession, completeTask, listenForTasks, type TaskChange } from '../../../src/main/store/postgres/queue.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';

// The shared queue's primitives on a real PostgreSQL: two "consoles" (each its own
// pool of connections) race to claim 2,000 tasks for the same 20 sessions. Every task
// is claimed and completed exactly once, and no session ever holds two tasks; a task
// added by one is announced to the other by LISTEN/NOTIFY.
const missing = postgresMissing();

describe.skipIf(missing)(`the shared queue on PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let url: string;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    cluster = await TestPostgres.start();
    url = await cluster.createDatabase();
    const a = await openPool(parsePostgresUrl(url, 'test'), { max: 6 });
    const b = await openPool(parsePostgresUrl(url, 'test'), { max: 6 });
    pools.push(a, b);
    await migratePostgres(a, url, migrations);
  });
  afterAll(async () => {
    for (const p of pools) await p.end();
    await cluster?.stop();
  });

  it('two consoles on 20 sessions: 2,000 tasks each claimed and completed once, never two at once for a session', async () => {
    const [a, b] = pools as [pg.Pool, pg.Pool];
    const sessions = Array.from({ length: 20 }, (_, i) => `agent-${i}`);
    // Tasks added from both consoles while they are already claiming.
    const adding = (async () => {
      for (let i = 0; i < 2000; i += 100) {
        const pool = i % 200 === 0 ? a : b;
        await Promise.all(Array.from({ length: 100 }, (_, j) => addTask(pool, { type: 'bug_fix', title: `t${i + j}`, priority: (i + j) % 10 })));
      }
    })();
    let added = false;
    void adding.then(() => (added = true));
    // Each console works every session: claim, then complete what it claimed.
    const work = async (pool: pg.Pool, name: string): Promise<number> => {
      let done = 0;
      for (;;) {
        const claims = await Promise.all(sessions.map(async (s) => ({ s, id: await claimNextForSession(pool, s, name) })));
        const got = claims.filter((c): c is { s: string; id: number } => c.id !== null);
        for (const c of got) expect(await completeTask(pool, c.id, c.s)).toBe(true);
        done += got.length;
        if (got.length === 0 && added) {
          const [left] = (await pool.query<{ n: number }>("SELECT count(*) AS n FROM tasks WHERE status <> 'completed'")).rows;
          if (left!.n === 0) return done;
        }
      }
    };
    const [byA, byB] = await Promise.all([work(a, 'console A'), work(b, 'console B'), adding]);
    expect(byA + byB).toBe(2000);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);

    // Exactly once: each task went pending → assigned once and assigned → completed once.
    const history = (await a.query<{ task_id: number; from_status: string; to_status: string }>('SELECT task_id, from_status, to_status FROM task_events ORDER BY id')).rows;
    const perTask = new Map<number, string[]>();
    for (const e of history) perTask.set(e.task_id, [...(perTask.get(e.task_id) ?? []), `${e.from_status}>${e.to_status}`]);
    expect(perTask.size).toBe(2000);
    for (const [id, steps] of perTask) expect(steps, `task ${id}`).toEqual(['pending>assigned', 'assigned>completed']);
    // Never two at once: per session, its claims and completions alternate in commit order.
    const bySession = (await a.query<{ s: string; to_status: string }>(
      "SELECT t.assigned_to AS s, e.to_status FROM task_events e JOIN tasks t ON t.id = e.task_id ORDER BY e.id",
    )).rows;
    for (const s of sessions) {
      const seq = bySession.filter((r) => r.s === s).map((r) => r.to_status);
      expect(seq.length).toBeGreaterThan(0);
      seq.forEach((st, i) => expect(st, `${s} event ${i}`).toBe(i % 2 === 0 ? 'assigned' : 'completed'));
    }
    const counts = (await a.query<{ status: string; n: number }>("SELECT status, n FROM task_counts WHERE n <> 0")).rows;
    expect(counts).toEqual([{ status: 'completed', n: 2000 }]);
    // 8,000 transactions on a shared, loaded machine: room to finish, never a figure asserted.
  }, 300_000);

  it('a session is claimed by at most one task even when both consoles claim for it at the same moment', async () => {
    const [a, b] = pools as [pg.Pool, pg.Pool];
    for (let i = 0; i < 20; i++) await addTask(a, { type: 'x', title: `race ${i}` });
    for (let round = 0; round < 10; round++) {
      const session = `racer-${round}`;
      const ids = await Promise.all([claimNextForSession(a, session, 'A'), claimNextForSession(b, session, 'B'), claimNextForSession(a, session, 'A2')]);
      expect(ids.filter((id) => id !== null), `round ${round}`).toHaveLength(1);
    }
  });

  it('a task added by one console is announced to another (LISTEN/NOTIFY), once committed', async () => {
    const [a] = pools as [pg.Pool, pg.Pool];
    const seen: TaskChange[] = [];
    const listener = await listenForTasks(parsePostgresUrl(url, 'test'), (c) => seen.push(c));
    try {
      // A rolled-back write announces nothing.
      const client = await a.connect();
      await client.query('BEGIN');
      await client.query("SELECT pg_notify('architect_tasks', '{\"id\": -1, \"status\": \"pending\"}')");
      await client.query('ROLLBACK');
      client.release();
      const id = await addTask(a, { type: 'docs', title: 'announced' });
      await pollUntil('the other console to hear of the task', () => seen.some((c) => c.id === id && c.status === 'pending'), { limitMs: 30_000 });
      expect(seen.some((c) => c.id === -1)).toBe(false);
    } finally {
      await listener.stop();
    }
  });
});
