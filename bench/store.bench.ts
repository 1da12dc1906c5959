// Store and named-query figures on a seeded database (DESIGN.md "Performance
// budget"): the seed's dashboard queries with the seed's indexes as written vs
// with the project's (queue-order index + counts kept by triggers), side by side.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueriesFile, IndexDef } from '../src/main/config/schemas/queries.js';
import { silentLogger } from '../src/main/log/logger.js';
import { QueryService } from '../src/main/queries/service.js';
import { applyConfigIndexes } from '../src/main/store/config-indexes.js';
import { seedDatabase } from '../src/main/store/seed.js';
import { openStore, type Store } from '../src/main/store/store.js';

const FULL_TASKS = 1_000_000;
const QUICK_TASKS = 100_000;
const SESSIONS = 200;
const INSERT_BATCH = 10_000;
const WARMUP_RUNS = 20;
const MEASURED_RUNS = 300;
/** The seed's indexes make some queries take ~1 s at 1M tasks: cap the time, not only the count. */
const WARMUP_BUDGET_MS = 2_000;
const MEASURE_BUDGET_MS = 15_000;
const MIN_MEASURED_RUNS = 10;
/** Far above any figure here: the bench measures slow queries rather than stopping them. */
const BENCH_QUERY_TIMEOUT_MS = 120_000;

// Verbatim from seed 000 part 2.1 D.
const SEED_STATS_DASHBOARD = `
SELECT
  (SELECT COUNT(*) FROM tasks WHERE status = 'pending') AS pending_tasks,
  (SELECT COUNT(*) FROM tasks WHERE status = 'in_progress') AS active_tasks,
  (SELECT COUNT(*) FROM tasks WHERE status = 'completed'
   AND completed_at > datetime('now', '-1 day')) AS completed_today,
  (SELECT COUNT(*) FROM sessions WHERE status = 'idle') AS idle_sessions,
  (SELECT COUNT(*) FROM sessions WHERE status = 'working') AS working_sessions,
  (SELECT COUNT(*) FROM errors WHERE resolved = 0) AS open_errors`;
const SEED_PENDING_HIGH = `
SELECT
  id, type, status, priority, created_at,
  (strftime('%s', 'now') - strftime('%s', created_at)) / 60.0 AS elapsed_minutes
FROM tasks
WHERE status = 'pending'
  AND priority >= :min_priority
ORDER BY priority DESC, created_at ASC
LIMIT :limit`;
// The project's stats_dashboard (config/base/queries.yaml): the seed's columns,
// from counts kept by triggers (task_counts, task_completions).
export const PROJECT_STATS_DASHBOARD_SQL = `SELECT
  (SELECT n FROM task_counts WHERE status = 'pending') AS pending_tasks,
  (SELECT n FROM task_counts WHERE status = 'in_progress') AS active_tasks,
  (SELECT coalesce(sum(n), 0) FROM task_completions
   WHERE minute >= strftime('%Y-%m-%d %H:%M', 'now', '-1 day')) AS completed_today,
  (SELECT COUNT(*) FROM sessions WHERE status = 'idle') AS idle_sessions,
  (SELECT COUNT(*) FROM sessions WHERE status = 'working') AS working_sessions,
  (SELECT COUNT(*) FROM errors WHERE resolved = 0) AS open_errors`;

const SEED_INDEXES: IndexDef[] = [
  { table: 'tasks', name: 'idx_tasks_status_priority', columns: ['status', 'priority', 'created_at'], unique: false },
  { table: 'tasks', name: 'idx_tasks_type_status', columns: ['type', 'status'], unique: false },
  { table: 'sessions', name: 'idx_sessions_status_heartbeat', columns: ['status', 'last_heartbeat'], unique: false },
];
/** Migration indexes the seed does not have; dropped for the "as written" run. */
const PROJECT_TASK_INDEXES = ['idx_tasks_pending_priority'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeQuery(service: QueryService, name: string, runs: number): Promise<{ p50: number; p99: number }> {
  const warmupStart = performance.now();
  for (let i = 0; i < WARMUP_RUNS && performance.now() - warmupStart < WARMUP_BUDGET_MS; i++) await service.run(name);
  const times: number[] = [];
  const measureStart = performance.now();
  for (let i = 0; i < runs; i++) {
    if (i >= MIN_MEASURED_RUNS && performance.now() - measureStart > MEASURE_BUDGET_MS) break;
    const started = performance.now();
    await service.run(name);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function measure(store: Store, queries: Record<string, string>, runs: number, prefix: string, out: Record<string, number>): Promise<void> {
  const service = new QueryService(store, { logger: silentLogger });
  const file = QueriesFile.parse({
    version: 'bench',
    queries: Object.fromEntries(Object.entries(queries).map(([name, sql]) => [name, {
      sql,
      cache_ttl: 0, // measure the query, not the cache
      timeout_ms: BENCH_QUERY_TIMEOUT_MS,
      params: sql.includes(':min_priority') ? [{ name: 'min_priority', type: 'integer', default: 7 }, { name: 'limit', type: 'integer', default: 50 }] : [],
    }])),
  });
  const problems = service.load(file);
  if (problems.length > 0) throw new Error(`bench queries do not load: ${JSON.stringify(problems)}`);
  try {
    for (const name of Object.keys(queries)) {
      const { p50, p99 } = await timeQuery(service, name, runs);
      out[`query_${name}_${prefix}_p50_ms`] = round(p50);
      out[`query_${name}_${prefix}_p99_ms`] = round(p99);
    }
  } finally {
    await service.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const tasks = opts.quick ? QUICK_TASKS : FULL_TASKS;
  const runs = opts.quick ? MEASURED_RUNS / 3 : MEASURED_RUNS;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-store-'));
  const store = openStore({ path: path.join(dir, 'bench.db'), logger: silentLogger });
  const out: Record<string, number> = { store_tasks: tasks };
  try {
    let started = performance.now();
    seedDatabase(store, { tasks, sessions: SESSIONS, seed: 42 });
    out.seed_tasks_ms = Math.round(performance.now() - started);

    started = performance.now();
    store.transaction(() => {
      for (let i = 0; i < INSERT_BATCH; i++) store.tasks.add({ type: 'shell', title: `bench ${i}`, prompt: 'echo', priority: i % 11 });
    });
    out.insert_10k_tasks_ms = round(performance.now() - started);

    // The seed's indexes as written: the project's task indexes out of the way.
    const projectIndexSql = PROJECT_TASK_INDEXES.map(
      (name) => store.writer.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck().get(name) as string,
    );
    for (const name of PROJECT_TASK_INDEXES) store.writer.exec(`DROP INDEX ${name}`);
    applyConfigIndexes(store, SEED_INDEXES);
    await measure(store, { stats_dashboard: SEED_STATS_DASHBOARD, tasks_pending_high_priority: SEED_PENDING_HIGH }, runs, 'seed_idx', out);

    // The project's: migration indexes back, seed's dropped, counts kept by triggers
    // (task_counts, task_completions).
    applyConfigIndexes(store, []);
    for (const sql of projectIndexSql) store.writer.exec(sql);
    await measure(store, { stats_dashboard: PROJECT_STATS_DASHBOARD_SQL, tasks_pending_high_priority: SEED_PENDING_HIGH }, runs, 'project', out);
    // The seed's COUNT(*) dashboard as written, on the project's indexes.
    const countOnly: Record<string, number> = {};
    await measure(store, { stats_dashboard: SEED_STATS_DASHBOARD }, runs, 'project_countstar', countOnly);
    Object.assign(out, countOnly);

    out.store_rss_mb = Math.round(process.memoryUsage().rss / 1024 / 1024);
    out.db_file_mb = Math.round(fs.statSync(store.path).size / 1024 / 1024);
    return out;
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
