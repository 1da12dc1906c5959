// The rules a routing round applies between planning and claiming (round-rules.ts),
// the same on both engines: the single console's assigner on its SQLite file and the
// shared queue's assigner on a throw-away PostgreSQL cluster, driven through the same
// steps with a clock the test moves:
// - a task that timed out is not given back to the session it timed out on for ten
//   minutes (another session takes it; the trail says why it waits meanwhile);
// - why a task stays queued goes on its trail once per change, not once per round;
// - least_loaded routes by the last hour's load (held and completed tasks);
// - each claim's time in the queue is counted for /metrics.
import { describe, expect, it } from 'vitest';
import type { RouteDecision, Session, SessionState } from '../../../src/shared/api.js';
import { Assigner } from '../../../src/main/assigner/assigner.js';
import { SharedAssigner } from '../../../src/main/assigner/shared.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import type { AssignmentLatency } from '../../../src/main/metrics/assignment-latency.js';
import { setupSharedRouting } from '../../../src/main/setup/shared-routing.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { SqliteTaskStore, type TaskStore } from '../../../src/main/store/task-store.js';
import { storeEngines, type Rows } from '../../support/engines.js';
import { pollUntil } from '../../support/poll.js';
import { TestClock, session } from '../../unit/assigner/fixture.js';

/** What the test drives: either engine's assigner, through the calls both have. */
interface Router {
  start(): () => Promise<void>;
  kick(): void;
  settled(): Promise<void>;
  onSessions(sessions: Session[], transitions: ReadonlyArray<{ name: string; from: SessionState; to: SessionState; reason: string | null }>): void;
  readonly latency: AssignmentLatency;
  /** The console's dry run (route.dryRun): the single console's assigner, or the shared queue's command. */
  dryRun(rules: RoutingFile, sessions: readonly Session[]): RouteDecision[] | Promise<RouteDecision[]>;
}

interface RouterOptions {
  getSnapshot: () => { routing: RoutingFile };
  getSessions: () => Session[];
  deliver: (s: Session, prompt: string) => Promise<{ outcome: 'taken'; reason: string }>;
  clock: () => Date;
  turnQuietMs?: number;
}

interface Engine {
  store: TaskStore;
  router: (o: RouterOptions) => Router;
  /** Rows of one read, for the assertions (the test's own SQL, not the product's). */
  rows: Rows;
}

const { engines } = storeEngines<Engine>(
  {
    sqlite: ({ store, rows }) => ({ store: new SqliteTaskStore(store), router: (o) => new Assigner({ store, ...o }), rows }),
    postgres: ({ pool, rows }) => {
      const store = new PostgresTaskStore(pool);
      const router = (o: RouterOptions): Router => {
        const assigner = new SharedAssigner({ store, holder: 'console A', ...o });
        // As core.ts wires it: the shared queue's route.dryRun, with this console's avoid rule.
        const routing = setupSharedRouting({ store, config: { snapshot: () => ({ routing: o.getSnapshot().routing, agents: null }) }, sessions: o.getSessions, avoiding: (now) => assigner.avoiding(now) });
        return {
          start: () => assigner.start(),
          kick: () => assigner.kick(),
          settled: () => assigner.settled(),
          onSessions: (sessions, transitions) => assigner.onSessions(sessions, transitions),
          get latency() {
            return assigner.latency;
          },
          dryRun: async () => (await routing['route.dryRun']({})).decisions,
        };
      };
      return { store, router, rows };
    },
  },
  { poolMax: 8 },
);

describe.each(engines)('round rules on %s', (_name, open, skip) => {
  /** One engine, one assigner over sessions the test sets, a clock it moves; torn down after fn. */
  const use = async (
    rules: RoutingFile,
    initial: Session[],
    fn: (h: {
      sessions: () => Session[];
      e: Engine;
      router: Router;
      clock: TestClock;
      setState: (name: string, state: SessionState, announce?: boolean) => void;
      run: () => Promise<void>;
      queuedNotes: (taskId: number) => Promise<string[]>;
    }) => Promise<void>,
    opts: { realClock?: boolean } = {},
  ): Promise<void> => {
    const e = await open();
    const clock = opts.realClock ? { ms: 0, now: () => new Date(), advanceMinutes: () => undefined } as unknown as TestClock : new TestClock();
    let sessions = initial;
    const router = e.router({
      getSnapshot: () => ({ routing: rules }),
      getSessions: () => sessions,
      deliver: async () => ({ outcome: 'taken', reason: 'the agent is working' }),
      clock: clock.now,
      turnQuietMs: 600_000,
    });
    const stop = router.start();
    const run = async (): Promise<void> => {
      router.kick();
      await router.settled();
    };
    try {
      await fn({
        sessions: () => sessions,
        e,
        router,
        clock,
        run,
        setState: (name, state, announce = true) => {
          const from = sessions.find((s) => s.name === name)!.state;
          sessions = sessions.map((s) => (s.name === name ? { ...s, state } : s));
          if (announce) router.onSessions(sessions, [{ name, from, to: state, reason: null }]);
        },
        queuedNotes: async (taskId) =>
          (await e.rows("SELECT reason FROM decisions WHERE task_id = $1 AND decision = 'queued' ORDER BY id", [taskId])).map((r) => String(r.reason)),
      });
    } finally {
      await stop();
      await e.close();
    }
  };

  const timeoutRules = RoutingFile.parse({
    version: '1',
    environment_routing: { bug_fix: { preferred_sessions: ['w1', 'w2'], timeout_minutes: 30 } },
    supported_providers: ['claude'],
  });

  it.skipIf(skip)('a task that timed out is kept from that session for ten minutes: queued, said once, then given to another session', async () => {
    await use(timeoutRules, [session('w1', 'idle', 'claude', '%1'), session('w2', 'working', 'claude', '%2')], async ({ e, clock, run, setState, queuedNotes }) => {
      const task = await e.store.add({ type: 'bug_fix', title: 'bug', prompt: 'fix it', priority: 5 });
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
      // w1 shows idle but still holds it past timeout_minutes: back to the queue, and not to w1 again.
      clock.advanceMinutes(31);
      await run();
      await run();
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'pending' });
      expect(await queuedNotes(task.id)).toEqual(['queued: not given back to w1, which timed out on it']);
      // w1 busy again, w2 free: w2 takes it.
      setState('w1', 'working');
      setState('w2', 'idle');
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w2' });
      const kinds = (await e.rows('SELECT kind, decision FROM decisions WHERE task_id = $1 ORDER BY id', [task.id])).map((r) => `${String(r.kind)}:${String(r.decision)}`);
      expect(kinds).toContain('timeout:requeued');
    });
  }, 60_000);

  it.skipIf(skip)('a task that timed out goes at once to another free session, though the one it timed out on is free and preferred', async () => {
    await use(timeoutRules, [session('w1', 'idle', 'claude', '%1'), session('w2', 'idle', 'claude', '%2')], async ({ e, clock, run, queuedNotes }) => {
      const task = await e.store.add({ type: 'bug_fix', title: 'bug', prompt: 'fix it', priority: 5 });
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
      clock.advanceMinutes(31);
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w2' });
      expect(await queuedNotes(task.id)).toEqual([]);
      // w1 stays free for other work meanwhile.
      const other = await e.store.add({ type: 'bug_fix', title: 'other', prompt: 'fix that', priority: 5 });
      await run();
      expect(await e.store.get(other.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
    });
  }, 60_000);

  it.skipIf(skip)('the dry run keeps a task that timed out from that session, as the round does', async () => {
    await use(timeoutRules, [session('w1', 'idle', 'claude', '%1'), session('w2', 'working', 'claude', '%2')], async ({ e, clock, router, sessions, run, setState }) => {
      const task = await e.store.add({ type: 'bug_fix', title: 'bug', prompt: 'fix it', priority: 5 });
      expect(await router.dryRun(timeoutRules, sessions())).toMatchObject([{ taskId: task.id, kind: 'assign', session: 'w1' }]);
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
      clock.advanceMinutes(31);
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'pending' });
      // w1 is idle and preferred, but the task timed out there: the preview says it waits, as the round did.
      const preview = await router.dryRun(timeoutRules, sessions());
      expect(preview).toMatchObject([{ taskId: task.id, kind: 'queued', session: null }]);
      expect(preview[0]!.reason).toContain('not given back to w1, which timed out on it');
      // w2 free (not yet announced to the assigner): the preview gives it to w2, not w1.
      setState('w2', 'idle', false);
      expect(await router.dryRun(timeoutRules, sessions())).toMatchObject([{ taskId: task.id, kind: 'assign', session: 'w2' }]);
    });
  }, 60_000);

  it.skipIf(skip)('the session that timed out may have the task again after ten minutes', async () => {
    await use(timeoutRules, [session('w1', 'idle', 'claude', '%1')], async ({ e, clock, run, queuedNotes }) => {
      const task = await e.store.add({ type: 'bug_fix', title: 'bug', prompt: 'fix it', priority: 5 });
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
      clock.advanceMinutes(31);
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'pending' });
      expect(await queuedNotes(task.id)).toEqual(['queued: not given back to w1, which timed out on it']);
      clock.advanceMinutes(9);
      await run();
      expect((await e.store.get(task.id))?.status).toBe('pending');
      clock.advanceMinutes(2);
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
    });
  }, 60_000);

  it.skipIf(skip)('why a task waits goes on its trail once per change of cause, not once per round', async () => {
    const rules = RoutingFile.parse({ version: '1', environment_routing: { job: {} }, supported_providers: ['claude'] });
    await use(rules, [session('w1', 'working', 'claude', '%1')], async ({ e, run, setState, queuedNotes }) => {
      const task = await e.store.add({ type: 'job', title: 'job', prompt: 'do it', priority: 5 });
      await run();
      await run();
      await run();
      const notes = await queuedNotes(task.id);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/^queued: /);
      expect(notes[0]).toContain('w1 is working');
      setState('w1', 'idle');
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
      expect(await queuedNotes(task.id)).toHaveLength(1);
    });
  }, 60_000);

  it.skipIf(skip)("least_loaded routes by the last hour's load: the session that just finished a task is passed over", async () => {
    const rules = RoutingFile.parse({ version: '1', environment_routing: { job: { strategy: 'least_loaded' } }, supported_providers: ['claude'] });
    await use(rules, [session('w1', 'idle', 'claude', '%1'), session('w2', 'idle', 'claude', '%2')], async ({ e, clock, run }) => {
      // w1 completed a task a minute ago (written as the task core would).
      const done = await e.store.add({ type: 'job', title: 'earlier', prompt: 'done', priority: 5 });
      const earlier = new Date(clock.ms - 60_000);
      expect(await e.store.claimMany([{ taskId: done.id, session: 'w1', reason: 'test' }], [], earlier)).toHaveLength(1);
      await e.store.start(done.id, 'w1', 'test', earlier);
      await e.store.complete(done.id, 'w1', 'test', earlier);
      const task = await e.store.add({ type: 'job', title: 'job', prompt: 'do it', priority: 5 });
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w2' });
      const reason = (await e.rows("SELECT reason FROM decisions WHERE task_id = $1 AND decision = 'assigned'", [task.id]))[0]?.reason;
      expect(reason).toMatch(/least loaded for job: 0 recent tasks/);
    });
  }, 60_000);

  it.skipIf(skip)('each claim counts its time in the queue for /metrics', async () => {
    const rules = RoutingFile.parse({ version: '1', environment_routing: { job: {} }, supported_providers: ['claude'] });
    await use(rules, [session('w1', 'working', 'claude', '%1')], async ({ e, router, clock, run, setState }) => {
      const task = await e.store.add({ type: 'job', title: 'job', prompt: 'do it', priority: 5 });
      await run();
      expect(router.latency.count).toBe(0);
      // Two hours later w1 is free and takes it.
      clock.ms = Date.parse(`${(await e.store.get(task.id))!.createdAt}`) + 2 * 3600_000;
      setState('w1', 'idle');
      await run();
      expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
      expect(router.latency.count).toBe(1);
      expect(router.latency.sumSeconds).toBeCloseTo(7200, 0);
      // Cumulative buckets: over an hour (3600 s), within four (14400 s).
      expect(router.latency.buckets[8]).toBe(0);
      expect(router.latency.buckets[9]).toBe(1);
    });
  }, 60_000);

  it.skipIf(skip)('with nothing else happening, the assigner wakes when a held task runs over its timeout and gives it back', async () => {
    // 0.02 min = 1.2 s, on the real clock: no event after the claim, only the wake timer.
    const rules = RoutingFile.parse({ version: '1', environment_routing: { job: { timeout_minutes: 0.02 } }, supported_providers: ['claude'] });
    await use(
      rules,
      [session('w1', 'idle', 'claude', '%1')],
      async ({ e, run, queuedNotes }) => {
        const task = await e.store.add({ type: 'job', title: 'job', prompt: 'do it', priority: 5 });
        await run();
        expect(await e.store.get(task.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
        await pollUntil('the timed-out task back in the queue', async () => (await e.store.get(task.id))?.status === 'pending', { limitMs: 20_000 });
        const kinds = (await e.rows('SELECT kind, decision FROM decisions WHERE task_id = $1 ORDER BY id', [task.id])).map((r) => `${String(r.kind)}:${String(r.decision)}`);
        expect(kinds).toContain('timeout:requeued');
        await pollUntil('its queued note', async () => (await queuedNotes(task.id)).length === 1, { limitMs: 10_000 });
        expect(await queuedNotes(task.id)).toEqual(['queued: not given back to w1, which timed out on it']);
      },
      { realClock: true },
    );
  }, 60_000);
});
