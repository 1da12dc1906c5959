// The shared queue on PostgreSQL across consoles (issue 17; the 10k assign workload on
// it is assigner-postgres.bench.ts): pg_cross_console_ms — a task added through
// console A's store, until console B (which alone has an idle session) has claimed it
// and its delivery starts: the NOTIFY at A's commit, B's round and its claim's commit;
// the median of 20, on a throw-away PostgreSQL 15 cluster with its durability on.
// Without PostgreSQL's binaries the figure is not measured (n/a).
import { performance } from 'node:perf_hooks';
import type { Session } from '../src/shared/api.js';
import { SharedAssigner } from '../src/main/assigner/shared.js';
import { migrations } from '../src/main/store/migrations/index.js';
import { migratePostgres } from '../src/main/store/postgres/migrate.js';
import { openPool } from '../src/main/store/postgres/pool.js';
import { listenForTasks } from '../src/main/store/postgres/queue.js';
import { PostgresTaskStore } from '../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../src/main/store/postgres/url.js';
import { postgresMissing, TestPostgres } from '../test/support/postgres.js';
// The assigner bench's rules (its one bug_fix rule is what this bench routes).
import { RULES } from './assigner.bench.js';

const LATENCY_SAMPLES = 20;

function session(i: number): Session {
  const name = `w${i}`;
  return {
    id: `bench:%${i}`, name, server: 'bench', session: name, windowIndex: 0, paneIndex: 0, paneId: `%${i}`, title: '', cwd: '/',
    pid: 1, command: 'claude', argv: ['claude'], argvLength: 6, agent: i % 2 ? 'codex' : 'claude', state: 'idle', reason: null, width: 80, height: 24,
    stateSince: null, lastOutputAt: null, excluded: false, currentTaskId: null, lastLine: null, detail: null,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export async function run(): Promise<Record<string, number>> {
  if (postgresMissing()) return { pg_cross_console_ms: NaN };
  const cluster = await TestPostgres.start({ fast: false });
  try {
    const url = await cluster.createDatabase('bench');
    const target = parsePostgresUrl(url, 'bench');
    const pool = await openPool(target, { max: 8 });
    const poolB = await openPool(target, { max: 8 });
    try {
      await migratePostgres(pool, url, migrations);
      const store = new PostgresTaskStore(pool);

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
      return { pg_cross_console_ms: Math.round(median(samples) * 10) / 10 };
    } finally {
      await pool.end();
      await poolB.end();
    }
  } finally {
    await cluster.stop();
  }
}
