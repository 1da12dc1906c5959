// What a console on a shared queue reads to follow it (issue 17): its session cards'
// held tasks (store/postgres/held-tasks.ts) and its task events' outcomes
// (store/postgres/task-outcomes.ts), both driven by the queue's announced changes
// (LISTEN/NOTIFY). 2,000 tasks added at once, then claimed by 20 sessions a round at a
// time (one claim statement per round, as the shared assigner claims) and completed
// one by one, 20 at a time — 6,000 changes heard. Counted: the statements the held-task
// map ran (a full read at start, then reads by id), the outcome reads and the outcomes
// they found (every completion exactly once); timed: one full read of the held tasks
// (what a read per change would cost, 6,000 times). Also the console's own
// sessions.current_task_id kept from the held tasks (store/current-tasks.ts) in a
// SQLite file listing half the sessions (the other half another console's): the write
// transactions it opened and the time it took on the main thread. A throw-away
// PostgreSQL 15 cluster on loopback with durability on, as the other PostgreSQL benches
// have it. Skipped, saying so, where the binaries are missing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/main/log/logger.js';
import { keepCurrentTasks } from '../src/main/store/current-tasks.js';
import { migrations } from '../src/main/store/migrations/index.js';
import { migratePostgres } from '../src/main/store/postgres/migrate.js';
import { PostgresHeldTasks } from '../src/main/store/postgres/held-tasks.js';
import { openPool } from '../src/main/store/postgres/pool.js';
import { listenForTasks } from '../src/main/store/postgres/queue.js';
import { PostgresTaskOutcomes } from '../src/main/store/postgres/task-outcomes.js';
import { PostgresTaskStore } from '../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../src/main/store/postgres/url.js';
import { openStore } from '../src/main/store/store.js';
import { postgresMissing, TestPostgres } from '../test/support/postgres.js';

const TASKS = 2_000;
const QUICK_TASKS = 400;
const SESSIONS = 20;
/** Sessions w0…w9 are this console's (rows in its own file); w10…w19 another console's. */
const LOCAL_SESSIONS = 10;
const FULL_READS = 200;
const WAIT_MS = 30_000;

export async function run(opts: { quick?: boolean }): Promise<Record<string, number>> {
  const missing = postgresMissing();
  if (missing) {
    process.stderr.write(`shared-follow-postgres: skipped (${missing})\n`);
    return {};
  }
  const n = opts.quick ? QUICK_TASKS : TASKS;
  const cluster = await TestPostgres.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-current-'));
  const local = openStore({ path: path.join(dir, 'console.db'), logger: silentLogger });
  try {
    const target = parsePostgresUrl(await cluster.createDatabase(), 'bench');
    const pool = await openPool(target, { max: 8, applicationName: 'architect bench' });
    try {
      await migratePostgres(pool, target.display, migrations);
      const queue = new PostgresTaskStore(pool);
      const held = new PostgresHeldTasks(pool);
      let position: number | null = null;
      const outcomes = new PostgresTaskOutcomes(pool, held, { get: () => position, set: (p) => (position = p) });
      await outcomes.readOutcomes();
      let found = 0;
      let polling: Promise<void> | null = null;
      const poll = (): void => {
        polling ??= (async () => {
          for (let got = -1; got !== 0; ) found += got = (await outcomes.readOutcomes()).length;
        })().finally(() => (polling = null));
      };
      let heard = 0;
      const listener = await listenForTasks(target, (change) => {
        heard++;
        held.changed(change);
        outcomes.changed(change);
        poll();
      });
      for (let i = 0; i < LOCAL_SESSIONS; i++) local.sessions.upsert({ id: `default:%${i}`, name: `w${i}`, server: 'default', provider: 'claude', cwd: null });
      let transactions = 0;
      let writerMs = 0;
      const stopWriter = keepCurrentTasks({
        held: {
          onMoves: (moved) => held.onMoves((moves) => {
            const started = performance.now();
            moved(moves);
            writerMs += performance.now() - started;
          }),
          loaded: () => held.loaded(),
          all: () => held.all(),
          read: (names) => held.read(names),
        },
        store: { sessions: local.sessions, transaction: (fn) => {
          transactions++;
          return local.transaction(fn);
        } },
        onRows: () => () => undefined,
        log: silentLogger,
      });
      try {
        await held.reload();
        const ids = (await queue.addMany(Array.from({ length: n }, (_, i) => ({ type: 'shell', title: `t${i}`, prompt: 'p', priority: 5 })))).map((t) => t.id);
        for (let r = 0; r < n / SESSIONS; r++) {
          const round = ids.slice(r * SESSIONS, (r + 1) * SESSIONS);
          await queue.claimMany(round.map((taskId, i) => ({ taskId, session: `w${i}`, reason: 'bench' })), [], new Date());
          await Promise.all(round.map((taskId, i) => queue.complete(taskId, `w${i}`, 'done', new Date())));
        }
        const deadline = Date.now() + WAIT_MS;
        while ((found < n || heard < 3 * n) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        await held.settled();
        await polling;
        if (found !== n) throw new Error(`${found} outcomes read for ${n} completions`);
        const left = local.writer.prepare('SELECT count(*) FROM sessions WHERE current_task_id IS NOT NULL').pluck().get() as number;
        if (left !== 0) throw new Error(`${left} sessions still name a task, all of them completed`);
        const started = performance.now();
        for (let i = 0; i < FULL_READS; i++) await queue.heldTasks();
        const fullUs = ((performance.now() - started) * 1000) / FULL_READS;
        return {
          shared_follow_changes_heard: heard,
          shared_follow_held_full_reads: held.reads.full,
          shared_follow_held_reads_by_id: held.reads.byId,
          shared_follow_outcome_reads: outcomes.reads,
          shared_follow_held_full_read_us: Math.round(fullUs),
          shared_follow_current_task_transactions: transactions,
          shared_follow_current_task_ms: Math.round(writerMs),
        };
      } finally {
        stopWriter();
        await listener.stop();
      }
    } finally {
      await pool.end();
    }
  } finally {
    local.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await cluster.stop();
  }
}
