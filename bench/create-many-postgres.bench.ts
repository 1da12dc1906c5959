// create_many_2k_postgres_ms: 2,000 tasks added at once on the shared queue — the API's
// `tasks.createMany` and `architect tasks add --from FILE` (src/main/tasks/create-many.ts)
// — all or none, in one unit of work of the PostgreSQL task store, with their history
// rows (by trigger) and one commit. A tenth of them depend on an earlier task (one of
// a few added first), as a file of related work would. The server is a throw-away
// PostgreSQL 15 cluster on loopback with durability on (fsync, synchronous commit), as
// the assigner-postgres bench has it. The median of three passes, each on a fresh
// database. create_many_2k_ms: the same items on SQLite (a temp file), for comparison.
// Skipped on PostgreSQL, saying so, where its binaries are missing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { silentLogger } from '../src/main/log/logger.js';
import { migrations } from '../src/main/store/migrations/index.js';
import { migratePostgres } from '../src/main/store/postgres/migrate.js';
import { openPool } from '../src/main/store/postgres/pool.js';
import { PostgresTaskStore } from '../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../src/main/store/postgres/url.js';
import { openStore } from '../src/main/store/store.js';
import { createManyLocal, createManyShared, type NewTaskItem } from '../src/main/tasks/create-many.js';
import { TaskService } from '../src/main/tasks/service.js';
import { postgresMissing, TestPostgres } from '../test/support/postgres.js';

const ITEMS = 2_000;
const QUICK_ITEMS = 500;
const RUNS = 3;
/** Tasks added first, that every tenth item of the batch depends on. */
const EARLIER = 5;

function items(n: number, earlier: readonly number[]): NewTaskItem[] {
  return Array.from({ length: n }, (_, i) => ({
    type: ['bug_fix', 'docs', 'shell'][i % 3]!,
    title: `task ${i}`,
    prompt: `do task ${i}`,
    ...(i % 10 === 0 ? { dependsOn: [earlier[i % earlier.length]!] } : {}),
  }));
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

async function postgresPass(cluster: TestPostgres, n: number): Promise<number> {
  const url = await cluster.createDatabase();
  const target = parsePostgresUrl(url, 'bench');
  const pool: pg.Pool = await openPool(target, { max: 8, applicationName: 'architect bench' });
  try {
    await migratePostgres(pool, target.display, migrations);
    const store = new PostgresTaskStore(pool);
    const earlier: number[] = [];
    for (let i = 0; i < EARLIER; i++) earlier.push((await store.add({ type: 'setup', title: `earlier ${i}`, prompt: 'p', priority: 5 })).id);
    const batch = items(n, earlier);
    const started = performance.now();
    const added = await createManyShared(store, null, batch, (i) => `tasks[${i}]`, () => false);
    const ms = performance.now() - started;
    if (added.length !== n) throw new Error(`added ${added.length} of ${n}`);
    const count = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM tasks')).rows[0]!.n);
    if (count !== n + EARLIER) throw new Error(`${count} tasks in the database, not ${n + EARLIER}`);
    return ms;
  } finally {
    await pool.end();
  }
}

function sqlitePass(n: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-create-many-'));
  const store = openStore({ path: path.join(dir, 'architect.db'), logger: silentLogger });
  try {
    const core = new TaskService({ store, config: () => null });
    const earlier = Array.from({ length: EARLIER }, (_, i) => core.create({ type: 'setup', title: `earlier ${i}`, prompt: 'p' }).id);
    const batch = items(n, earlier);
    const started = performance.now();
    const added = createManyLocal(store, core, batch, (i) => `tasks[${i}]`);
    const ms = performance.now() - started;
    if (added.length !== n) throw new Error(`added ${added.length} of ${n}`);
    return ms;
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const n = opts.quick ? QUICK_ITEMS : ITEMS;
  const label = opts.quick ? '500' : '2k';
  const out: Record<string, number> = {};
  const local: number[] = [];
  for (let i = 0; i < RUNS; i++) local.push(sqlitePass(n));
  out[`create_many_${label}_ms`] = Math.round(median(local));
  const missing = postgresMissing();
  if (missing) {
    process.stderr.write(`create-many-postgres: PostgreSQL skipped — ${missing}\n`);
    return out;
  }
  const cluster = await TestPostgres.start({ fast: false });
  try {
    const passes: number[] = [];
    for (let i = 0; i < RUNS; i++) passes.push(await postgresPass(cluster, n));
    process.stderr.write(
      `create-many-postgres: passes ${passes.map((t) => Math.round(t)).join(' / ')} ms (SQLite ${local.map((t) => Math.round(t)).join(' / ')} ms); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`,
    );
    out[`create_many_${label}_postgres_ms`] = Math.round(median(passes));
    return out;
  } finally {
    await cluster.stop();
  }
}
