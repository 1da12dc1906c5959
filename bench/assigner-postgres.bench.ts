// assign_10k_tasks_postgres_ms: assigner.bench.ts's workload on the shared queue
// (issue 17) — 10,000 queued tasks, 50 idle sessions, the same routing rules — through
// the shared-queue assigner (src/main/assigner/shared.ts) and the PostgreSQL task store
// (src/main/store/postgres/task-store.ts): each round reads the head of the queue and
// the held tasks (side by side), routes, and claims in one transaction of one round trip
// (BEGIN, the queued notes, the per-session advisory locks, then one guarded
// UPDATE … FROM unnest for the round with its decision rows, leases and NOTIFY, and
// the COMMIT, in one simple query). The server is
// a throw-away PostgreSQL 15 cluster on loopback started as the tests start theirs
// (test/support/postgres.ts), with durability on (fsync, synchronous commit) as an
// operator's server has it. The median of three passes, each on a fresh database.
// Between rounds the sessions finish their tasks (not timed); the deliveries' own
// decision rows are written after the round's clock stops, as on SQLite, where they
// run after the synchronous round returns.
// claim_postgres_p50_us / _p99_us: one claim (with its lease) in its own transaction.
// Skipped, saying so, where the PostgreSQL binaries are missing.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { SharedAssigner } from '../src/main/assigner/shared.js';
import { silentLogger } from '../src/main/log/logger.js';
import { migrations } from '../src/main/store/migrations/index.js';
import { migratePostgres } from '../src/main/store/postgres/migrate.js';
import { openPool } from '../src/main/store/postgres/pool.js';
import { PostgresTaskStore } from '../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../src/main/store/postgres/url.js';
import { postgresMissing, TestPostgres } from '../test/support/postgres.js';
import { RULES, SESSIONS, TYPES, session } from './assigner.bench.js';

const QUEUE = 10_000;
const QUICK_QUEUE = 1_000;
const ASSIGN_RUNS = 3;
const HOLDER = 'bench console';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** The queue, inserted in one statement (the insert is not what is measured; the triggers still run). */
async function fillQueue(pool: pg.Pool, size: number, prefix: string): Promise<void> {
  await pool.query(
    `INSERT INTO tasks(type, title, prompt, priority)
     SELECT ($2::text[])[1 + (i % $3)], $4 || i, 'do ' || i, i % 11 FROM generate_series(0, $1 - 1) AS i`,
    [size, [...TYPES], TYPES.length, prefix],
  );
}

/** Every held task done, as the agents would between rounds (not timed). */
async function finishAll(pool: pg.Pool): Promise<void> {
  await pool.query("UPDATE tasks SET status = 'completed', status_reason = 'bench: done' WHERE status IN ('assigned', 'in_progress')");
  await pool.query('DELETE FROM task_leases');
}

async function pendingCount(pool: pg.Pool): Promise<number> {
  return (await pool.query<{ n: number }>("SELECT n FROM task_counts WHERE status = 'pending'")).rows[0]?.n ?? 0;
}

/** One pass of the whole queue through the shared assigner, on a fresh database. */
async function assignQueue(cluster: TestPostgres, queueSize: number): Promise<{ timedMs: number; rounds: number; pool: pg.Pool; store: PostgresTaskStore }> {
  const url = await cluster.createDatabase();
  const target = parsePostgresUrl(url, 'bench');
  // A console's pool (setup/shared-queue.ts opens 8).
  const pool = await openPool(target, { max: 8, applicationName: 'architect bench' });
  try {
    await migratePostgres(pool, target.display, migrations);
    await fillQueue(pool, queueSize, 't');
    const store = new PostgresTaskStore(pool);
    const sessions = Array.from({ length: SESSIONS }, (_, i) => session(i));
    // Typing into tmux is measured by the dispatch bench: here the prompt is taken at
    // once, but only after the round's clock stops (see the header).
    let open: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (open = resolve));
    const assigner = new SharedAssigner({
      store,
      holder: HOLDER,
      getSnapshot: () => ({ routing: RULES }),
      getSessions: () => sessions,
      deliver: async () => {
        await gate;
        return { outcome: 'taken', reason: 'the input box was cleared' };
      },
      logger: silentLogger,
    });
    let timedMs = 0;
    let rounds = 0;
    while ((await pendingCount(pool)) > 0) {
      const started = performance.now();
      await assigner.round();
      timedMs += performance.now() - started;
      rounds++;
      open();
      await assigner.settled();
      gate = new Promise<void>((resolve) => (open = resolve));
      await finishAll(pool);
      if (rounds > queueSize) throw new Error('the shared assigner stopped making progress');
    }
    return { timedMs, rounds, pool, store };
  } catch (err) {
    await pool.end();
    throw err;
  }
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const missing = postgresMissing();
  if (missing) {
    process.stderr.write(`assigner-postgres: skipped — ${missing}\n`);
    return {};
  }
  const queueSize = opts.quick ? QUICK_QUEUE : QUEUE;
  const cluster = await TestPostgres.start({ fast: false });
  const pools: pg.Pool[] = [];
  try {
    const passes: Awaited<ReturnType<typeof assignQueue>>[] = [];
    for (let i = 0; i < ASSIGN_RUNS; i++) {
      const pass = await assignQueue(cluster, queueSize);
      pools.push(pass.pool);
      passes.push(pass);
    }
    const timed = passes.map((p) => p.timedMs).sort((a, b) => a - b);
    const { pool, store, rounds } = passes[passes.length - 1]!;

    // One claim at a time, each its own transaction with its decision row and lease; the
    // session finishes between claims (not timed), so it holds one task at most.
    const claimsWanted = opts.quick ? 200 : 1_000;
    await fillQueue(pool, claimsWanted, 'c');
    const ids = (await pool.query<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' ORDER BY id")).rows.map((r) => r.id);
    const claims: number[] = [];
    const now = new Date();
    for (const [i, id] of ids.entries()) {
      const started = performance.now();
      const got = await store.claimMany([{ taskId: id, session: `w${i % SESSIONS}`, reason: 'bench' }], [], now, { holder: HOLDER, ttlMs: 30_000 });
      claims.push((performance.now() - started) * 1000);
      if (got.length !== 1) throw new Error(`claim of task ${id} was refused`);
      await finishAll(pool);
    }
    claims.sort((a, b) => a - b);
    process.stderr.write(
      `assigner-postgres: passes ${timed.map((t) => Math.round(t)).join(' / ')} ms; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`,
    );
    return {
      [opts.quick ? 'assign_1k_tasks_postgres_ms' : 'assign_10k_tasks_postgres_ms']: Math.round(timed[Math.floor(ASSIGN_RUNS / 2)]!),
      assign_rounds_postgres: rounds,
      claim_postgres_p50_us: Math.round(percentile(claims, 0.5)),
      claim_postgres_p99_us: Math.round(percentile(claims, 0.99)),
    };
  } finally {
    for (const p of pools) await p.end().catch(() => undefined);
    await cluster.stop();
  }
}
