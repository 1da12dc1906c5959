// The task store on both engines: one suite, run against SQLite (always) and a real
// PostgreSQL (when its binaries are here; CI installs them). The same guards, the same
// history rows, the same decision rows, leases that hand a dead console's claims back.
import type { Session } from '../../../src/shared/api.js';
import { SharedAssigner } from '../../../src/main/assigner/shared.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { describe, expect, it } from 'vitest';
import { listenForTasks, type TaskChange } from '../../../src/main/store/postgres/queue.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { SqliteTaskStore, type TaskStore } from '../../../src/main/store/task-store.js';
import { InvalidTaskError, TaskFinishedError } from '../../../src/main/store/tasks.js';
import { storeEngines, withEngine, type Rows } from '../../support/engines.js';
import { pollUntil } from '../../support/poll.js';

interface Engine {
  store: TaskStore;
  /** Rows of one read, for the assertions (the test's own SQL, not the product's). */
  rows: Rows;
}

// This file's cluster runs with durability on (no `fast`), as it always has.
const { engines, missing, postgresDatabase, pool: openPoolOn } = storeEngines<Engine>(
  {
    sqlite: ({ store, rows }) => ({ store: new SqliteTaskStore(store), rows }),
    postgres: ({ pool, rows }) => ({ store: new PostgresTaskStore(pool), rows }),
  },
  { cluster: {}, poolMax: 8 },
);

const now = (): Date => new Date();

describe.each(engines)('the task store on %s', (_name, open, skip) => {
  const use = (fn: (e: Engine) => Promise<void>): Promise<void> => withEngine(open, fn);

  it.skipIf(skip)('adds, lists and counts tasks in queue order; a bad dependency writes nothing', async () => {
    await use(async ({ store }) => {
      const low = await store.add({ type: 'bug_fix', title: 'low', prompt: 'p', priority: 2 });
      const high = await store.add({ type: 'bug_fix', title: 'high', prompt: 'p', priority: 9 });
      expect(low).toMatchObject({ status: 'pending', priority: 2, title: 'low', assignedTo: null });
      expect(low.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const listed = await store.list();
      expect(listed.tasks.map((t) => t.id)).toEqual([high.id, low.id]);
      expect(listed.total).toBe(2);
      expect((await store.counts()).pending).toBe(2);
      await expect(store.add({ type: 'x', title: 'waits', priority: 5, dependsOn: [high.id, 999] })).rejects.toThrow(InvalidTaskError);
      expect((await store.list()).total).toBe(2);
      await expect(store.add({ type: 'x', title: '  ', priority: 5 })).rejects.toThrow('a task needs a title');
    });
  });

  it.skipIf(skip)("the queue's head: tasks marked urgent, then the urgent types' heads, then the rest up to the limit", async () => {
    await use(async ({ store, rows }) => {
      const add = async (type: string, title: string, priority: number): Promise<number> => (await store.add({ type, title, priority })).id;
      const docs = [await add('docs', 'd9', 9), await add('docs', 'd8', 8), await add('docs', 'd7', 7)];
      const bugs = [await add('bug_fix', 'b1', 1), await add('bug_fix', 'b2', 2)];
      const review = await add('review', 'r3', 3);
      const marked = await add('docs', 'marked', 0);
      await rows('UPDATE tasks SET urgent = 1 WHERE id = $1 RETURNING id', [marked]);
      const ids = async (limit: number, urgent: string[] = []): Promise<number[]> => (await store.pendingTasks(limit, urgent)).map((t) => t.id);
      expect(await ids(4)).toEqual([marked, docs[0], docs[1], docs[2]]);
      expect(await ids(4, ['bug_fix'])).toEqual([marked, bugs[1], bugs[0], docs[0]]);
      expect(await ids(10, ['bug_fix', 'review'])).toEqual([marked, bugs[1], bugs[0], review, ...docs]);
      // The urgent types' heads are read whole even beyond the limit; then no others.
      expect(await ids(2, ['bug_fix'])).toEqual([marked, bugs[1], bugs[0]]);
      const head = await store.pendingTasks(1);
      expect(head).toEqual([{ id: marked, type: 'docs', priority: 0, createdAt: expect.stringMatching(/Z$/), notBefore: null, routeTo: null, urgent: true }]);
    });
  });

  it.skipIf(skip)('a task waiting on an unfinished one starts blocked, saying on what', async () => {
    await use(async ({ store }) => {
      const first = await store.add({ type: 'a', title: 'first', priority: 5 });
      const second = await store.add({ type: 'a', title: 'second', priority: 5, dependsOn: [first.id] });
      expect(second.status).toBe('blocked');
      expect(second.statusReason).toBe(`blocked: waiting on task ${first.id} to complete (depends_on)`);
      expect((await store.dependencies(second.id)).map((d) => ({ id: d.id, status: d.status }))).toEqual([{ id: first.id, status: 'pending' }]);
    });
  });

  it.skipIf(skip)('claims are guarded: a task goes to one session, a session holds one task; the history and decisions say so', async () => {
    await use(async ({ store, rows }) => {
      const a = await store.add({ type: 't', title: 'a', prompt: 'do a', priority: 5 });
      const b = await store.add({ type: 't', title: 'b', prompt: 'do b', priority: 5 });
      const t = now();
      const claimed = await store.claimMany(
        [
          { taskId: a.id, session: 's1', reason: 'assigned to s1' },
          { taskId: b.id, session: 's1', reason: 'assigned to s1 too' },
          { taskId: a.id, session: 's2', reason: 'assigned to s2' },
        ],
        [{ kind: 'route', taskId: b.id, session: null, decision: 'queued', reason: 'queued: waiting' }],
        t,
      );
      expect(claimed.map((c) => c.id)).toEqual([a.id]);
      expect(claimed[0]).toMatchObject({ type: 't', prompt: 'do a', attempts: 0, metadata: {}, projectPath: null });
      expect(await store.heldTasks()).toEqual([expect.objectContaining({ id: a.id, session: 's1', status: 'assigned' })]);
      expect(await store.start(a.id, 's2', 'not its session', t)).toBe(false);
      expect(await store.start(a.id, 's1', 'in progress: s1 is working', t)).toBe(true);
      expect(await store.complete(a.id, 's1', 'completed: s1 returned to idle after working', t)).toBe(true);
      expect(await store.complete(a.id, 's1', 'twice', t)).toBe(false);
      const history = await store.history(a.id);
      expect(history.map((h) => `${h.fromStatus}>${h.toStatus}: ${h.reason}`)).toEqual([
        'null>pending: created',
        'pending>assigned: assigned to s1',
        'assigned>in_progress: in progress: s1 is working',
        'in_progress>completed: completed: s1 returned to idle after working',
      ]);
      const decisions = await rows('SELECT kind, task_id, session_id, decision FROM decisions ORDER BY id');
      expect(decisions).toEqual([
        { kind: 'route', task_id: b.id, session_id: null, decision: 'queued' },
        { kind: 'route', task_id: a.id, session_id: 's1', decision: 'assigned' },
        { kind: 'lifecycle', task_id: a.id, session_id: 's1', decision: 'in_progress' },
        { kind: 'lifecycle', task_id: a.id, session_id: 's1', decision: 'completed' },
      ]);
      expect(await store.counts()).toMatchObject({ pending: 1, completed: 1, assigned: 0 });
    });
  });

  // PostgreSQL sends a round's claim as SQL text with its values written in (several
  // statements in one round trip take no bound parameters): what it writes must be
  // exactly what was given, quotes and backslashes included, alone or in a unit of work.
  it.skipIf(skip)("a round's names, reasons and notes are written as given, in its own transaction or in a unit of work", async () => {
    await use(async ({ store, rows }) => {
      const a = await store.add({ type: 't', title: 'a', prompt: "it's a \\path\\ 'quoted'", priority: 5 });
      const b = await store.add({ type: 't', title: 'b', prompt: 'p', priority: 5 });
      const c = await store.add({ type: 't', title: 'c', prompt: 'p', priority: 5 });
      const t = now();
      const odd = "o'brien\\n; COMMIT; --";
      const claimed = await store.claimMany(
        [{ taskId: a.id, session: odd, reason: `assigned to ${odd} (\\'x\\')` }],
        [{ kind: 'route', taskId: b.id, session: null, decision: 'queued', reason: "queued: 'no' \\ session" }],
        t,
        { holder: "console 'A'\\", ttlMs: 10_000 },
      );
      expect(claimed).toEqual([expect.objectContaining({ id: a.id, prompt: "it's a \\path\\ 'quoted'" })]);
      expect(await store.heldTasks()).toEqual([expect.objectContaining({ id: a.id, session: odd })]);
      expect((await store.get(a.id))!.statusReason).toBe(`assigned to ${odd} (\\'x\\')`);
      // Notes alone write their rows; a claim in a unit of work commits with it.
      await store.claimMany([], [{ kind: 'route', taskId: c.id, session: null, decision: 'queued', reason: 'queued: alone' }], t);
      const inUnit = await store.transaction(async (tx) => tx.claimMany([{ taskId: b.id, session: 's2', reason: 'assigned to s2' }], [], t, { holder: 'console B', ttlMs: 10_000 }));
      expect(inUnit.map((x) => x.id)).toEqual([b.id]);
      expect(await rows('SELECT task_id, session_id, decision, reason FROM decisions ORDER BY id')).toEqual([
        { task_id: b.id, session_id: null, decision: 'queued', reason: "queued: 'no' \\ session" },
        { task_id: a.id, session_id: odd, decision: 'assigned', reason: `assigned to ${odd} (\\'x\\')` },
        { task_id: c.id, session_id: null, decision: 'queued', reason: 'queued: alone' },
        { task_id: b.id, session_id: 's2', decision: 'assigned', reason: 'assigned to s2' },
      ]);
      if (store.engine === 'postgres') {
        expect(await rows('SELECT task_id, holder FROM task_leases ORDER BY task_id')).toEqual([
          { task_id: a.id, holder: "console 'A'\\" },
          { task_id: b.id, holder: 'console B' },
        ]);
      }
    });
  });

  it.skipIf(skip)('requeue counts a try unless told not to; fail ends it; cancel and retry are guarded', async () => {
    await use(async ({ store }) => {
      const a = await store.add({ type: 't', title: 'a', priority: 5 });
      const t = now();
      await store.claimMany([{ taskId: a.id, session: 's1', reason: 'assigned' }], [], t);
      const later = new Date(t.getTime() + 5000);
      expect(await store.requeue(a.id, 's1', { reason: 'back to the queue: delivery failed', error: 'no pane', notBefore: later, kind: 'dispatch' }, t)).toBe(true);
      const pending = (await store.pendingTasks(10))[0]!;
      expect(pending).toMatchObject({ id: a.id, notBefore: later.toISOString(), routeTo: null });
      expect((await store.get(a.id))!.attempts).toBe(1);
      await store.claimMany([{ taskId: a.id, session: 's2', reason: 'assigned again' }], [], t);
      expect(await store.fail(a.id, 's2', { reason: 'failed: 2 of 2 attempts used', error: 'boom', kind: 'dispatch' }, t)).toBe(true);
      const failed = (await store.get(a.id))!;
      expect(failed).toMatchObject({ status: 'failed', attempts: 2, statusReason: 'failed: 2 of 2 attempts used' });
      await expect(store.cancel(a.id, 'nope')).rejects.toThrow(TaskFinishedError);
      expect(await store.retry(a.id, 'retried by operator')).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await store.cancel(a.id, 'cancelled by operator')).toMatchObject({ status: 'cancelled' });
      await expect(store.retry(999, 'x')).rejects.toThrow('task 999 does not exist');
      expect(await store.setPriority(a.id, 8)).toMatchObject({ priority: 8 });
    });
  });

  it.skipIf(skip)("a lease its console stops renewing hands the task back to the queue; a renewed one stays", async () => {
    await use(async ({ store, rows }) => {
      const a = await store.add({ type: 't', title: 'a', priority: 5 });
      const b = await store.add({ type: 't', title: 'b', priority: 5 });
      const t0 = new Date('2026-12-06T12:00:00.000Z');
      await store.claimMany([{ taskId: a.id, session: 's1', reason: 'assigned to s1' }], [], t0, { holder: 'console A', ttlMs: 10_000 });
      await store.claimMany([{ taskId: b.id, session: 's2', reason: 'assigned to s2' }], [], t0, { holder: 'console B', ttlMs: 10_000 });
      await store.start(b.id, 's2', 'in progress: s2 is working', t0);
      // Console A heartbeats; console B has died.
      const t1 = new Date(t0.getTime() + 8_000);
      expect(await store.renewLeases('console A', 10_000, t1)).toBe(1);
      expect(await store.expireLeases(t1)).toEqual([]);
      const t2 = new Date(t0.getTime() + 12_000);
      expect(await store.expireLeases(t2)).toEqual([{ taskId: b.id, session: 's2', holder: 'console B' }]);
      const back = (await store.get(b.id))!;
      expect(back).toMatchObject({ status: 'pending', attempts: 0 });
      expect(back.statusReason).toBe('back to the queue: the console holding the claim (console B) stopped renewing its lease (expired 2026-12-06 12:00:10.000 UTC)');
      expect((await store.get(a.id))!.status).toBe('assigned');
      await store.complete(a.id, 's1', 'done', t2);
      // A console that sees s3 takes over a task in progress there; one only assigned is not taken over.
      const c = await store.add({ type: 't', title: 'c', priority: 5 });
      const d = await store.add({ type: 't', title: 'd', priority: 5 });
      await store.claimMany([{ taskId: c.id, session: 's3', reason: 'assigned to s3' }], [], t2, { holder: 'console B', ttlMs: 10_000 });
      await store.claimMany([{ taskId: d.id, session: 's4', reason: 'assigned to s4' }], [], t2, { holder: 'console B', ttlMs: 10_000 });
      await store.start(c.id, 's3', 'in progress: s3 is working', t2);
      expect(await store.adoptLeases('console A', ['s3', 's4'], 10_000, new Date(t2.getTime() + 5_000))).toBe(1);
      expect(await store.expireLeases(new Date(t2.getTime() + 11_000))).toEqual([{ taskId: d.id, session: 's4', holder: 'console B' }]);
      expect((await store.get(c.id))!.status).toBe('in_progress');
      expect(await store.complete(c.id, 's3', 'done', t2)).toBe(true);
      // Finished tasks leave no lease behind.
      expect(await rows('SELECT task_id FROM task_leases')).toEqual([]);
      expect(await store.expireLeases(new Date(t0.getTime() + 60_000))).toEqual([]);
    });
  });
});

describe.skipIf(missing)('two consoles on one PostgreSQL database', () => {
  it('race 400 tasks over 10 sessions: each claimed and completed once, never two at once for a session, every change announced', async () => {
    const { pool: a, url } = await postgresDatabase({ max: 6 });
    const b = await openPoolOn(url, { max: 6 });
    const target = parsePostgresUrl(url, 'test');
    const heard: TaskChange[] = [];
    const listener = await listenForTasks(target, (c) => heard.push(c));
    try {
      const stores = [new PostgresTaskStore(a), new PostgresTaskStore(b)];
      const sessions = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
      const ids: number[] = [];
      for (let i = 0; i < 400; i += 50) {
        const added = await Promise.all(Array.from({ length: 50 }, (_, j) => stores[j % 2]!.add({ type: 'bug_fix', title: `t${i + j}`, priority: (i + j) % 10 })));
        ids.push(...added.map((t) => t.id));
      }
      // Each console plans the same head of the queue for every session (the worst case) and claims it.
      const work = async (store: PostgresTaskStore, name: string): Promise<number> => {
        let done = 0;
        for (;;) {
          const head = await store.pendingTasks(sessions.length);
          if (head.length === 0 && (await store.heldTasks()).length === 0) return done;
          const claims = head.map((t, i) => ({ taskId: t.id, session: sessions[i]!, reason: `assigned to ${sessions[i]} by ${name}` }));
          const got = await store.claimMany(claims, [], new Date(), { holder: name, ttlMs: 60_000 });
          for (const c of got) {
            const session = claims.find((x) => x.taskId === c.id)!.session;
            expect(await store.complete(c.id, session, `completed by ${name}`, new Date())).toBe(true);
          }
          done += got.length;
        }
      };
      const [byA, byB] = await Promise.all([work(stores[0]!, 'console A'), work(stores[1]!, 'console B')]);
      expect(byA + byB).toBe(400);
      const history = (await a.query<{ task_id: number; s: string }>("SELECT task_id, from_status || '>' || to_status AS s FROM task_events ORDER BY id")).rows;
      const perTask = new Map<number, string[]>();
      for (const e of history) perTask.set(e.task_id, [...(perTask.get(e.task_id) ?? []), e.s]);
      for (const id of ids) expect(perTask.get(id), `task ${id}`).toEqual(['pending>assigned', 'assigned>completed']);
      const bySession = (await a.query<{ s: string; to_status: string }>('SELECT t.assigned_to AS s, e.to_status FROM task_events e JOIN tasks t ON t.id = e.task_id ORDER BY e.id')).rows;
      for (const s of sessions) bySession.filter((r) => r.s === s).forEach((r, i) => expect(r.to_status, `${s} event ${i}`).toBe(i % 2 === 0 ? 'assigned' : 'completed'));
      expect((await a.query('SELECT status, n FROM task_counts WHERE n <> 0')).rows).toEqual([{ status: 'completed', n: 400 }]);
      // Every add, claim and completion was announced (at commit) to the listener.
      await pollUntil('every completion announced', () => heard.filter((c) => c.status === 'completed').length === 400, { limitMs: 20_000 });
      expect(new Set(heard.filter((c) => c.status === 'pending').map((c) => c.id))).toEqual(new Set(ids));
    } finally {
      await listener.stop();
    }
  }, 180_000);

  it("a task in progress delivered by a console that died is completed by the console that sees its agent idle and quiet", async () => {
    const { pool } = await postgresDatabase({ max: 4 });
    const store = new PostgresTaskStore(pool);
    const task = await store.add({ type: 'bug_fix', title: 't', prompt: 'do t', priority: 5 });
    const t0 = new Date();
    await store.claimMany([{ taskId: task.id, session: 'w0', reason: 'assigned to w0 by console B' }], [], t0, { holder: 'console B', ttlMs: 60_000 });
    // Console B's delivery was confirmed after the agent's turn had ended (so no state
    // change is left to end it), then B died: its agent is idle, and quiet since.
    await store.start(task.id, 'w0', 'in progress: w0 is working', t0);
    const w0: Session = {
      id: 'test:%0', name: 'w0', server: 'test', session: 'w0', windowIndex: 0, paneIndex: 0, paneId: '%0', title: '', cwd: '/',
      pid: 1, command: 'claude', argv: ['claude'], argvLength: 6, agent: 'claude', state: 'idle', reason: null, width: 80, height: 24,
      stateSince: null, lastOutputAt: t0.toISOString(), excluded: false, currentTaskId: null, lastLine: null, detail: null,
    };
    const rules = RoutingFile.parse({ version: '1', environment_routing: { bug_fix: { priority: 5 } }, supported_providers: ['claude'] });
    const a = new SharedAssigner({
      store,
      holder: 'console A',
      getSnapshot: () => ({ routing: rules }),
      getSessions: () => [w0],
      deliver: async () => ({ outcome: 'taken', reason: 'the input box was cleared' }),
      turnQuietMs: 300,
    });
    const stop = a.start();
    try {
      await pollUntil('the orphaned task completed', async () => (await store.get(task.id))!.status === 'completed', { limitMs: 15_000 });
    } finally {
      await stop();
    }
    expect((await store.get(task.id))!.statusReason).toBe('completed: w0 took the prompt and is idle again, quiet for 0 s (its turn ended before its delivery was confirmed)');
    expect((await pool.query('SELECT task_id FROM task_leases')).rows).toEqual([]);
  }, 60_000);
});
