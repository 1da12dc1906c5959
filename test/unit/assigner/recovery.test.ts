import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Assigner, RECOVERY_ROUND_EVERY_MS } from '../../../src/main/assigner/assigner.js';
import { RECOVERY_WORKER_BATCH, TimeoutRecovery } from '../../../src/main/assigner/recovery.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { RULES, TestClock, session, tempStore } from './fixture.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { WriteWorker } from '../../../src/main/store/write-worker.js';
import { TaskService } from '../../../src/main/tasks/service.js';

// Start-up recovery off the main thread (issue 20): a console started on a backlog of
// tasks held for days past their timeout gives them back through the write worker's
// own connection, in short transactions; the main thread decides and hears which
// tasks changed, and writes none of them itself.

const BACKLOG = 1_300;
/** Of the backlog, these used their last try (DEFAULT_MAX_ATTEMPTS 3): failed, not requeued. */
const LAST_TRIES = 40;

describe('start-up recovery in the write worker', () => {
  let t: ReturnType<typeof tempStore>;
  let worker: WriteWorker;
  beforeEach(() => {
    t = tempStore();
    worker = new WriteWorker({ dbPath: t.dbPath });
  });
  afterEach(() => {
    worker.stop();
    t.cleanup();
  });

  function holdBacklog(assignedAt: Date, n = BACKLOG, session = 'old_worker', lastTries = LAST_TRIES): number[] {
    const insert = t.store.writer.prepare(
      `INSERT INTO tasks(type, title, prompt, priority, status, assigned_to, assigned_at, created_at, updated_at, attempts)
       VALUES ('bug_fix', ?, 'p', 5, 'assigned', ?, ?, ?, ?, ?)`,
    );
    const at = toSqlTime(assignedAt);
    const ids: number[] = [];
    t.store.transaction(() => {
      for (let i = 0; i < n; i++) ids.push(Number(insert.run(`held ${i}`, session, at, at, at, i < lastTries ? 2 : 0).lastInsertRowid));
    });
    return ids;
  }

  /** Counts this connection's own writes of a task's give-back (a TEMP trigger sees only the connection it was made on). */
  function countMainThreadGiveBacks(): () => number {
    const db = t.store.writer;
    db.exec(`CREATE TEMP TABLE main_gave_back(task_id INTEGER);
      CREATE TEMP TRIGGER main_gave_back_tasks AFTER UPDATE OF status ON main.tasks
        WHEN old.status IN ('assigned', 'in_progress') AND new.status IN ('pending', 'failed')
        BEGIN INSERT INTO main_gave_back VALUES (new.id); END;
      CREATE TEMP TRIGGER main_gave_back_decisions AFTER INSERT ON main.decisions WHEN new.kind = 'timeout'
        BEGIN INSERT INTO main_gave_back VALUES (new.task_id); END;`);
    return () => db.prepare('SELECT count(*) FROM temp.main_gave_back').pluck().get() as number;
  }

  it('gives back a backlog of timed-out tasks with the task core\'s rules, and the main thread writes none of it', async () => {
    const clock = new TestClock();
    const ids = holdBacklog(new Date(clock.ms - 3 * 24 * 3600_000)); // three days ago; bug_fix times out after 30 min
    // The session row still says it holds the first one.
    t.store.sessions.upsert({ id: 'test:%9', name: 'old_worker', server: 'test', provider: 'claude', cwd: '/' });
    t.store.sessions.setCurrentTask('old_worker', ids[0]!);
    const mainWrites = countMainThreadGiveBacks();
    const sessions = [session('dev_worker1', 'working', 'claude', '%1')];
    const assigner = new Assigner({
      store: t.store,
      getSnapshot: () => ({ routing: RULES }),
      getSessions: () => sessions,
      deliver: async () => ({ outcome: 'taken', reason: 'test' }),
      clock: clock.now,
      writeWorker: worker,
    });
    const heard: number[] = [];
    assigner.tasks.onChange((changes) => heard.push(...changes.map((c) => c.taskId)));

    assigner.round();
    await assigner.settled();

    const count = (sql: string): number => t.store.writer.prepare(sql).pluck().get() as number;
    expect(count("SELECT count(*) FROM tasks WHERE status IN ('assigned', 'in_progress')")).toBe(0);
    expect(count("SELECT count(*) FROM tasks WHERE status = 'pending'")).toBe(BACKLOG - LAST_TRIES);
    expect(count("SELECT count(*) FROM tasks WHERE status = 'failed'")).toBe(LAST_TRIES);
    // The decision rows and the history rows, as the task core writes them.
    expect(count("SELECT count(*) FROM decisions WHERE kind = 'timeout' AND decision = 'requeued'")).toBe(BACKLOG - LAST_TRIES);
    expect(count("SELECT count(*) FROM decisions WHERE kind = 'timeout' AND decision = 'failed'")).toBe(LAST_TRIES);
    expect(t.store.tasks.history(ids[LAST_TRIES]!).at(-1)?.reason).toMatch(/^reassigned: old_worker held it .* over timeout_minutes 30 for bug_fix$/);
    expect(t.store.tasks.get(ids[0]!)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(t.store.tasks.get(ids[0]!)?.statusReason).toMatch(/^failed: 3 of 3 attempts used \(max_attempts for bug_fix\); the last: reassigned: old_worker held it/);
    expect(t.store.tasks.get(ids[LAST_TRIES]!)?.attempts).toBe(1);
    expect(t.store.writer.prepare("SELECT current_task_id FROM sessions WHERE name = 'old_worker'").pluck().get()).toBeNull();
    // Written by the worker's connection only; the main thread heard every change.
    expect(mainWrites()).toBe(0);
    expect(new Set(heard)).toEqual(new Set(ids));
    expect(assigner.recovery?.recovered).toBe(BACKLOG);
  });

  it('the batches given back wake a round at most every RECOVERY_ROUND_EVERY_MS, not one round per batch', async () => {
    const clock = new TestClock();
    const backlog = 10 * RECOVERY_WORKER_BATCH;
    holdBacklog(new Date(clock.ms - 3 * 24 * 3600_000), backlog, 'old_worker', 0);
    let rounds = 0; // a round reads the sessions once
    const assigner = new Assigner({
      store: t.store,
      getSnapshot: () => ({ routing: RULES }),
      getSessions: () => (rounds++, [session('dev_worker1', 'working', 'claude', '%1')]),
      deliver: async () => ({ outcome: 'taken', reason: 'test' }),
      clock: clock.now,
      writeWorker: worker,
    });
    const started = performance.now();
    assigner.start();
    await assigner.settled();
    const elapsed = performance.now() - started;
    expect(assigner.recovery?.recovered).toBe(backlog);
    // The first round, then one per period at most (a round per batch would be 11).
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(rounds).toBeLessThanOrEqual(2 + Math.ceil(elapsed / RECOVERY_ROUND_EVERY_MS));
    await assigner.stop();
  });

  it('pauses after each batch of a backlog for as long as its write took (times the factor): the file\'s write lock is the console\'s at least half the time', async () => {
    const clock = new TestClock();
    const backlog = 3 * RECOVERY_WORKER_BATCH;
    holdBacklog(new Date(clock.ms - 3 * 24 * 3600_000), backlog, 'old_worker', 0);
    // The worker's calls, as they happen: when each read is asked, and how long each batch's write took.
    const calls: Array<{ kind: 'read' | 'steps'; at: number; ms?: number }> = [];
    const timed = {
      read: async <T,>(sql: string, params: unknown[] | Record<string, unknown>): Promise<T[]> => {
        calls.push({ kind: 'read', at: performance.now() });
        return worker.read<T>(sql, params);
      },
      steps: async (steps: Parameters<WriteWorker['steps']>[0]) => {
        const result = await worker.steps(steps);
        calls.push({ kind: 'steps', at: performance.now(), ms: result.ms });
        return result;
      },
    } as unknown as WriteWorker;
    const recovery = new TimeoutRecovery({
      worker: timed,
      tasks: new TaskService({ store: t.store, config: () => ({ routing: RULES }) }),
      rules: () => RULES,
      clock: clock.now,
      log: silentLogger,
      applied: () => undefined,
      pauseFactor: 2,
    });
    recovery.kick();
    await recovery.settled();
    expect(recovery.recovered).toBe(backlog);
    // read, steps, (pause) read, steps, (pause) read, steps: each read after a full batch waits twice its write.
    expect(calls.map((c) => c.kind)).toEqual(['read', 'steps', 'read', 'steps', 'read', 'steps', 'read']);
    for (const i of [1, 3]) {
      const write = calls[i]!;
      expect(calls[i + 1]!.at - write.at).toBeGreaterThanOrEqual(2 * write.ms! - 2);
    }
  });

  it('a task timed out on a session is not given back to it (the avoid rule), through the worker too', async () => {
    const clock = new TestClock();
    // Held by dev_worker2 for 31 minutes (bug_fix times out after 30); dev_worker2 (preferred #1) is idle now.
    const [bug] = holdBacklog(new Date(clock.ms - 31 * 60_000), 1, 'dev_worker2', 0);
    const sessions = [session('dev_worker2', 'idle', 'claude', '%2')];
    const assigner = new Assigner({ store: t.store, getSnapshot: () => ({ routing: RULES }), getSessions: () => sessions, deliver: async () => ({ outcome: 'taken', reason: 'test' }), clock: clock.now, writeWorker: worker });
    assigner.start();
    await assigner.settled();
    expect(t.store.tasks.get(bug!)?.status).toBe('pending');
    expect(t.store.decisions.forTask(bug!).map((d) => d.reason)).toEqual([
      'reassigned: dev_worker2 held it 31 min, over timeout_minutes 30 for bug_fix',
      'queued: not given back to dev_worker2, which timed out on it',
    ]);
    await assigner.stop();
  });

  it('a step read before the task was given back and claimed again by the same session changes nothing', async () => {
    const clock = new TestClock();
    const [id] = holdBacklog(new Date(clock.ms - 3 * 3600_000), 1, 'dev_worker2', 0);
    const tasks = new TaskService({ store: t.store, config: () => ({ routing: RULES }) });
    const stale = tasks.queue.heldBy(['dev_worker2'])[0]!;
    // Meanwhile on the main thread: back to the queue, and claimed again by the same session.
    expect(tasks.requeue(id!, 'dev_worker2', { reason: 'exited', error: null, notBefore: null, kind: 'lifecycle' }, clock.now())).toBe(true);
    clock.advanceMinutes(1);
    expect(tasks.claimMany([{ taskId: id!, session: 'dev_worker2', reason: 'again' }], [], clock.now())).toHaveLength(1);
    const { step } = tasks.requeueStep(stale, { reason: 'reassigned: timed out', error: 'timed out', notBefore: null, kind: 'timeout' }, clock.now());
    expect((await worker.steps([step])).changed).toEqual([]);
    expect(t.store.tasks.get(id!)).toMatchObject({ status: 'assigned', assignedTo: 'dev_worker2' });
    expect(t.store.decisions.forTask(id!).some((d) => d.kind === 'timeout')).toBe(false);
  });

  it('the main thread keeps writing while the worker recovers (short transactions; its own take the write lock at BEGIN, no "database is locked")', async () => {
    const clock = new TestClock();
    const big = new WriteWorker({ dbPath: t.dbPath, maxTransactionMs: 2, pauseMs: 1 });
    try {
      holdBacklog(new Date(clock.ms - 3 * 24 * 3600_000), 3_000, 'old_worker', 0);
      const assigner = new Assigner({ store: t.store, getSnapshot: () => ({ routing: RULES }), getSessions: () => [], deliver: async () => ({ outcome: 'taken', reason: 'test' }), clock: clock.now, writeWorker: big });
      assigner.round();
      let added = 0;
      while (assigner.recovery?.busy) {
        // A transaction that reads, then writes (as the SLA watcher's and the sessions' do):
        // deferred, it failed at once whenever the worker had committed since its read.
        t.store.transaction(() => {
          t.store.tasks.counts();
          t.store.tasks.add({ type: 'infrastructure', title: `new ${added}`, prompt: 'p' });
        });
        added++;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await assigner.settled();
      expect(added).toBeGreaterThan(0);
      expect(t.store.writer.prepare("SELECT count(*) FROM tasks WHERE type = 'infrastructure'").pluck().get()).toBe(added);
      expect(t.store.writer.prepare("SELECT count(*) FROM tasks WHERE status IN ('assigned', 'in_progress')").pluck().get()).toBe(0);
      expect(assigner.recovery?.recovered).toBe(3_000);
    } finally {
      big.stop();
    }
  });

  it('the thread goes when nothing was asked of it for a while, and the next request starts another', async () => {
    const quick = new WriteWorker({ dbPath: t.dbPath, idleStopMs: 50 });
    try {
      expect(quick.running).toBe(false);
      expect(await quick.read<{ n: number }>('SELECT count(*) AS n FROM tasks', [])).toEqual([{ n: 0 }]);
      expect(quick.running).toBe(true);
      for (let i = 0; i < 200 && quick.running; i++) await new Promise((r) => setTimeout(r, 10));
      expect(quick.running).toBe(false);
      // A new thread, its own connection: it sees what the console wrote meanwhile.
      t.store.tasks.add({ type: 'bug_fix', title: 'after the thread went' });
      expect(await quick.read<{ n: number }>('SELECT count(*) AS n FROM tasks', [])).toEqual([{ n: 1 }]);
      expect(quick.running).toBe(true);
    } finally {
      quick.stop();
    }
  });
});
