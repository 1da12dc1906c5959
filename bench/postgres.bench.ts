// The shared queue on PostgreSQL (issue 17), beside the assigner bench's SQLite figures:
// pg_assign_10k_tasks_ms — 10,000 queued tasks through the shared-queue assigner's
// rounds (read the head of the queue and the held tasks, route, claim each with its
// decision and lease in one transaction per round) with 50 idle sessions, on a
// throw-away PostgreSQL 15 cluster with its durability on (fsync, synchronous commit),
// as an operator's server runs; between rounds the sessions finish their tasks (not
// timed). pg_cross_console_ms — a task added through console A's store, until console
// B (which alone has an idle session) has claimed it and its delivery starts: the
// NOTIFY, B's round and its claim; the median of 20. Without PostgreSQL's binaries the
// figures are not measured (n/a).
import { performance } from 'node:perf_hooks';
import type { Session } from '../src/shared/api.js';
import { SharedAssigner } from '../src/main/assigner/shared.js';
import { RoutingFile } from '../src/main/config/schemas/routing.js';
import { migrations } from '../src/main/store/migrations/index.js';
import { migratePostgres } from '../src/main/store/postgres/migrate.js';
import { openPool } from '../src/main/store/postgres/pool.js';
import { listenForTasks } from '../src/main/store/postgres/queue.js';
import { PostgresTaskStore } from '../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../src/main/store/postgres/url.js';
import { postgresMissing, TestPostgres } from '../test/support/postgres.js';

const SESSIONS = 50;
const QUEUE = 10_000;
const QUICK_QUEUE = 1_000;
const LATENCY_SAMPLES = 20;
const TYPES = ['bug_fix', 'feature_development', 'ui_improvement', 'infrastructure'];
const RULES = RoutingFile.parse({
  version: '1.0',
  environment_routing: {
    bug_fix: { preferred_sessions: ['w1', 'w2'], urgent: true, priority: 9 },
    feature_development: { preferred_sessions: ['w3', 'w4'], priority: 5 },
    ui_improvement: { preferred_sessions: ['w5', 'w6'], strategy: 'round_robin' },
    infrastructure: { preferred_sessions: ['w0'], priority: 3 },
  },
  excluded_sessions: ['w49'],
  supported_providers: ['claude', 'codex'],
  fallback_rules: [{ condition: 'no_sessions_available', action: 'queue_task', retry_after_seconds: 60 }],
});

function session(i: number): Session {
  const name = `w${i}`;
  return {
    id: `bench:%${i}`, name, server: 'bench', session: name, windowIndex: 0, paneIndex: 0, paneId: `%${i}`, title: '', cwd: '/',
    pid: 1, command: 'claude', argv: ['claude'], agent: i % 2 ? 'codex' : 'claude', state: 'idle', reason: null, width: 80, height: 24,
    stateSince: null, lastOutputAt: null, excluded: false, currentTaskId: null, lastLine: null, detail: null,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const key = opts.quick ? 'pg_assign_1k_tasks_ms' : 'pg_assign_10k_tasks_ms';
  if (postgresMissing()) return { [key]: NaN, pg_cross_console_ms: NaN };
  const queueSize = opts.quick ? QUICK_QUEUE : QUEUE;
  const cluster = await TestPostgres.start({ fast: false });
  try {
    const url = await cluster.createDatabase('bench');
    const target = parsePostgresUrl(url, 'bench');
    const pool = await openPool(target, { max: 8 });
    const poolB = await openPool(target, { max: 8 });
    try {
      await migratePostgres(pool, url, migrations);
      const store = new PostgresTaskStore(pool);
      for (let i = 0; i < queueSize; i += 1000) {
        const values = Array.from({ length: Math.min(1000, queueSize - i) }, (_, j) => i + j);
        await pool.query(
          `INSERT INTO tasks(type, title, prompt, priority) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])`,
          [values.map((n) => TYPES[n % TYPES.length]!), values.map((n) => `t${n}`), values.map((n) => `do ${n}`), values.map((n) => n % 11)],
        );
      }
      await pool.query('ANALYZE');
      const sessions = Array.from({ length: SESSIONS }, (_, i) => session(i));
      const assigner = new SharedAssigner({
        store,
        holder: 'bench console',
        getSnapshot: () => ({ routing: RULES }),
        getSessions: () => sessions,
        deliver: async () => ({ outcome: 'taken', reason: 'the input box was cleared' }),
      });
      let timedMs = 0;
      let rounds = 0;
      const pending = async (): Promise<number> => (await pool.query<{ n: number }>("SELECT n FROM task_counts WHERE status = 'pending'")).rows[0]!.n;
      while ((await pending()) > 0) {
        const started = performance.now();
        await assigner.round();
        timedMs += performance.now() - started;
        rounds++;
        await assigner.settled();
        await pool.query("UPDATE tasks SET status = 'completed', status_reason = 'bench: done' WHERE status IN ('assigned', 'in_progress')");
        await pool.query('DELETE FROM task_leases');
        if (rounds > queueSize) throw new Error('the shared assigner stopped making progress');
      }

      // Across consoles: B alone has an idle session; a task added through A reaches it by NOTIFY.
      const storeB = new PostgresTaskStore(poolB);
      let claimedAt: (() => void) | null = null;
      const only = [session(0)];
      const b = new SharedAssigner({
        store: storeB,
        holder: 'console B',
        getSnapshot: () => ({ routing: RULES }),
        getSessions: () => only,
        deliver: async () => {
          claimedAt?.();
          return { outcome: 'taken', reason: 'the input box was cleared' };
        },
      });
      const stopB = b.start();
      const listener = await listenForTasks(target, () => b.wake());
      const samples: number[] = [];
      try {
        await b.settled();
        for (let i = 0; i < LATENCY_SAMPLES; i++) {
          const reached = new Promise<void>((resolve) => (claimedAt = resolve));
          const started = performance.now();
          await store.add({ type: 'bug_fix', title: `x${i}`, prompt: 'x', priority: 5 });
          await reached;
          samples.push(performance.now() - started);
          await b.settled();
          await pool.query("UPDATE tasks SET status = 'completed', status_reason = 'bench: done' WHERE status IN ('assigned', 'in_progress')");
        }
      } finally {
        await listener.stop();
        await stopB();
      }
      return { [key]: Math.round(timedMs), pg_assign_rounds: rounds, pg_cross_console_ms: Math.round(median(samples) * 10) / 10 };
    } finally {
      await pool.end();
      await poolB.end();
    }
  } finally {
    await cluster.stop();
  }
}
