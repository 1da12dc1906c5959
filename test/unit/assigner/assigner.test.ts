import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { Assigner, type Deliver } from '../../../src/main/assigner/assigner.js';
import { explainTask } from '../../../src/main/assigner/explain.js';
import { MIN_ROUND_WINDOW, WINDOW_GROWTH, planRound, roundWindow } from '../../../src/main/assigner/round-plan.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { loadConfig } from '../../../src/main/config/load.js';
import { TaskQueue } from '../../../src/main/store/task-queue.js';
import type { Store } from '../../../src/main/store/store.js';
import { RULES, TestClock, addTasks, session, tempStore } from './fixture.js';

type Outcome = Awaited<ReturnType<Deliver>>;

describe('Assigner', () => {
  let t: ReturnType<typeof tempStore>;
  let store: Store;
  let clock: TestClock;
  let sessions: Session[];
  let delivered: Array<{ session: string; prompt: string }>;
  let outcome: Outcome;
  /** When set, deliveries wait for it instead of answering `outcome` at once. */
  let slowOutcome: Promise<Outcome> | null;
  let changes: number;
  let assigner: Assigner;
  let stop: () => Promise<void>;

  beforeEach(() => {
    t = tempStore();
    store = t.store;
    clock = new TestClock();
    sessions = [session('dev_worker1', 'idle', 'claude', '%1'), session('dev_worker2', 'idle', 'claude', '%2'), session('codex', 'idle', 'codex', '%3')];
    delivered = [];
    outcome = { outcome: 'taken', reason: 'the input box was cleared' };
    slowOutcome = null;
    changes = 0;
    assigner = new Assigner({
      store,
      getSnapshot: () => ({ routing: RULES }),
      getSessions: () => sessions,
      deliver: async (s, prompt) => {
        delivered.push({ session: s.name, prompt });
        return slowOutcome ?? outcome;
      },
      clock: clock.now,
      onChange: () => changes++,
    });
    stop = assigner.start();
  });

  afterEach(async () => {
    await stop();
    t.cleanup();
  });

  const add = (type: string, title: string, priority?: number) => store.tasks.add({ type, title, prompt: `do ${title}`, priority });
  const run = async () => {
    assigner.kick();
    await assigner.settled();
  };
  const setState = (name: string, state: Session['state']) => {
    const s = sessions.find((x) => x.name === name)!;
    const from = s.state;
    sessions = sessions.map((x) => (x.name === name ? { ...x, state } : x));
    assigner.onSessions(sessions, [{ name, from, to: state, reason: null }]);
  };

  it('claims urgent and high-priority tasks first, on their preferred sessions, and records why', async () => {
    const feature = add('feature_development', 'feature', 5);
    const bug = add('bug_fix', 'bug', 9);
    await run();
    expect(store.tasks.get(bug.id)).toMatchObject({ status: 'assigned', assignedTo: 'dev_worker2' });
    expect(store.tasks.get(feature.id)).toMatchObject({ status: 'assigned', assignedTo: 'dev_worker1' });
    expect(delivered.map((d) => d.session)).toEqual(['dev_worker2', 'dev_worker1']);
    expect(store.decisions.forTask(bug.id).map((d) => d.decision)).toEqual(['assigned', 'taken']);
    expect(changes).toBeGreaterThan(0);
  });

  it('a task sent to a session by name is taken back from its holder and typed into that session only', async () => {
    const task = add('feature_development', 'feature', 5);
    await run();
    expect(store.tasks.get(task.id)).toMatchObject({ status: 'assigned', assignedTo: 'dev_worker1' });
    setState('dev_worker2', 'working');

    const sent = assigner.queue.sendTo(task.id, 'dev_worker2', { kind: 'route', who: 'a workflow' }, clock.now());
    expect(sent).toEqual({ outcome: 'sent', reason: 'back to the queue: a workflow sent it to dev_worker2, taken from dev_worker1' });
    await run();
    // dev_worker1 is idle and preferred, codex idle too: the task waits for dev_worker2.
    expect(store.tasks.get(task.id)?.status).toBe('pending');
    expect(store.decisions.forTask(task.id).at(-1)?.reason).toBe('queued: sent to dev_worker2 by name; dev_worker2 is working; retry in 60 s');

    setState('dev_worker2', 'idle');
    await assigner.settled();
    expect(store.tasks.get(task.id)).toMatchObject({ status: 'assigned', assignedTo: 'dev_worker2' });
    expect(delivered.map((d) => d.session)).toEqual(['dev_worker1', 'dev_worker2']);
    expect(assigner.queue.sendTo(task.id, 'dev_worker2', { kind: 'route', who: 'a workflow' }, clock.now())).toEqual({ outcome: 'already', reason: 'already with dev_worker2' });
    store.tasks.cancel(task.id, 'test');
    expect(assigner.queue.sendTo(task.id, 'codex', { kind: 'route', who: 'a workflow' }, clock.now())).toEqual({ outcome: 'refused', reason: 'the task is cancelled' });
    expect(assigner.queue.sendTo(9999, 'codex', { kind: 'route', who: 'a workflow' }, clock.now())).toEqual({ outcome: 'refused', reason: 'task 9999 does not exist' });
  });

  it('never gives a session a second task while it holds one, and queues with the reason', async () => {
    sessions = [session('dev_worker1')];
    const a = add('feature_development', 'a');
    const b = add('feature_development', 'b');
    await run();
    await run();
    expect(store.tasks.get(a.id)?.status).toBe('assigned');
    expect(store.tasks.get(b.id)?.status).toBe('pending');
    const queued = store.decisions.forTask(b.id).filter((d) => d.decision === 'queued');
    // Recorded once, not once per round.
    expect(queued).toHaveLength(1);
    expect(queued[0]?.reason).toMatch(/^queued: no idle session among \[dev_worker1/);
  });

  it('follows the session: working → in_progress, idle again → completed, then the next task goes out', async () => {
    sessions = [session('dev_worker1')];
    const a = add('feature_development', 'a');
    const b = add('feature_development', 'b');
    await run();
    setState('dev_worker1', 'working');
    expect(store.tasks.get(a.id)?.status).toBe('in_progress');
    expect(store.tasks.get(a.id)?.startedAt).not.toBeNull();
    setState('dev_worker1', 'idle');
    await assigner.settled();
    expect(store.tasks.get(a.id)).toMatchObject({ status: 'completed' });
    expect(store.tasks.get(a.id)?.completedAt).not.toBeNull();
    expect(store.tasks.get(b.id)).toMatchObject({ status: 'assigned', assignedTo: 'dev_worker1' });
  });

  it('a failed delivery puts the task back with the error, one attempt more and a back-off', async () => {
    outcome = { outcome: 'failed', reason: 'the agent opened a dialog instead of starting a turn' };
    const a = add('infrastructure', 'a');
    await run();
    const row = store.writer.prepare('SELECT status, attempts, last_error, not_before FROM tasks WHERE id = ?').get(a.id) as Record<string, unknown>;
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: 'the agent opened a dialog instead of starting a turn' });
    expect(row.not_before).not.toBeNull();
    outcome = { outcome: 'taken', reason: 'the agent is working' };
    await run();
    expect(store.tasks.get(a.id)?.status).toBe('pending'); // still inside its back-off
    clock.advanceMinutes(1);
    await run();
    // Delivery saw the agent working: in progress straight away.
    expect(store.tasks.get(a.id)?.status).toBe('in_progress');
  });

  it('a task whose deliveries keep failing is failed after max_attempts, with its last attempt\'s reason', async () => {
    outcome = { outcome: 'failed', reason: 'the pane is gone' };
    // infrastructure has no max_attempts of its own: the default, 3.
    const a = add('infrastructure', 'a');
    for (let attempt = 1; attempt <= 3; attempt++) {
      await run();
      clock.advanceMinutes(10); // past any back-off
    }
    const task = store.tasks.get(a.id)!;
    expect(task).toMatchObject({ status: 'failed', attempts: 3 });
    expect(task.statusReason).toBe('failed: 3 of 3 attempts used (max_attempts for infrastructure); the last: delivery to dev_worker1 failed (the pane is gone)');
    expect(store.tasks.history(a.id).at(-1)).toMatchObject({ fromStatus: 'assigned', toStatus: 'failed', reason: task.statusReason });
    expect(store.decisions.forTask(a.id).at(-1)).toMatchObject({ decision: 'failed', reason: task.statusReason });
    // Failed stays failed: no further round touches it; retry gives it a fresh budget.
    outcome = { outcome: 'taken', reason: 'the input box was cleared' };
    await run();
    expect(store.tasks.get(a.id)?.status).toBe('failed');
    expect(assigner.tasks.retry(a.id)).toMatchObject({ status: 'pending', attempts: 0 });
    await run();
    expect(store.tasks.get(a.id)?.status).toBe('assigned');
  });

  it('a delivery whose check fails after the agent was seen working (its host dropped mid-check) keeps the task', async () => {
    let finish: (o: Outcome) => void = () => undefined;
    slowOutcome = new Promise<Outcome>((resolve) => (finish = resolve));
    const a = add('infrastructure', 'a');
    assigner.round(); // claims now; the delivery starts
    await vi.waitFor(() => expect(delivered).toHaveLength(1)); // and is typing
    expect(store.tasks.get(a.id)?.status).toBe('assigned');
    setState('dev_worker1', 'working'); // the monitor saw it start
    expect(store.tasks.get(a.id)?.status).toBe('in_progress');
    finish({ outcome: 'failed', reason: 'cannot reach tmux server "buildbox" over ssh' });
    await assigner.settled();
    expect(store.tasks.get(a.id)).toMatchObject({ status: 'in_progress', assignedTo: 'dev_worker1' });
    expect(store.decisions.forTask(a.id).at(-1)).toMatchObject({ decision: 'taken', reason: expect.stringContaining('was seen working on it before the delivery check failed') });
  });

  it('a delivery refused before anything was typed (the agent found busy) goes back to the queue, even when the agent was seen working meanwhile', async () => {
    let finish: (o: Outcome & { enterPresses?: number }) => void = () => undefined;
    slowOutcome = new Promise<Outcome>((resolve) => (finish = resolve));
    const a = add('infrastructure', 'a');
    assigner.round();
    await vi.waitFor(() => expect(delivered).toHaveLength(1));
    // The console thought it idle; it was busy with other work, which the next scan shows.
    setState('dev_worker1', 'working');
    expect(store.tasks.get(a.id)?.status).toBe('in_progress');
    finish({ outcome: 'failed', reason: 'dev_worker1 is working, not idle', enterPresses: 0 });
    await assigner.settled();
    expect(store.tasks.get(a.id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(store.decisions.forTask(a.id).some((d) => d.decision === 'taken')).toBe(false);
    expect(store.tasks.get(a.id)?.statusReason).toMatch(/^back to the queue: delivery to dev_worker1 failed \(dev_worker1 is working, not idle\)/);
  });

  describe('sessions tell the truth', () => {
    const output = (name: string, atMs: number) => {
      sessions = sessions.map((x) => (x.name === name ? { ...x, lastOutputAt: new Date(atMs).toISOString() } : x));
    };
    const currentTask = (name: string) => store.sessions.list().find((r) => r.name === name)?.currentTaskId ?? null;
    beforeEach(() => {
      for (const x of sessions) store.sessions.upsert({ id: x.id, name: x.name, server: x.server, provider: x.agent, cwd: x.cwd });
    });

    it('current_task_id is the task a session holds: set on dispatch, cleared when it completes or goes back', async () => {
      const a = add('infrastructure', 'a');
      await run();
      expect(currentTask('dev_worker1')).toBe(a.id);
      setState('dev_worker1', 'working');
      setState('dev_worker1', 'idle');
      await assigner.settled();
      expect(store.tasks.get(a.id)?.status).toBe('completed');
      expect(currentTask('dev_worker1')).toBeNull();
      const b = add('infrastructure', 'b');
      await run();
      expect(currentTask('dev_worker1')).toBe(b.id);
      await assigner.tasks.hold(b.id, 'test');
      expect(currentTask('dev_worker1')).toBeNull();
    });

    it('a held task deleted from the file (a workflow\'s database step, sqlite3) leaves no session pointing at it', async () => {
      const a = add('infrastructure', 'a');
      await run();
      expect(currentTask('dev_worker1')).toBe(a.id);
      // No foreign key since migration 022 (a shared console names tasks its file does not hold): a trigger clears it.
      store.writer.prepare('DELETE FROM tasks WHERE id = ?').run(a.id);
      expect(currentTask('dev_worker1')).toBeNull();
    });

    it('a turn too short to be seen working: the task assigned on an idle session completes once the agent is quiet', async () => {
      const a = add('infrastructure', 'a');
      await run();
      expect(store.tasks.get(a.id)?.status).toBe('assigned');
      // The agent answered (output after the delivery) and was idle again before any scan saw it work.
      output('dev_worker1', clock.ms + 300);
      clock.ms += 1_000;
      await run();
      expect(store.tasks.get(a.id)?.status).toBe('assigned'); // not quiet for long enough yet
      clock.ms += 10_000;
      await run();
      expect(store.tasks.get(a.id)).toMatchObject({ status: 'completed' });
      expect(store.tasks.history(a.id).at(-1)).toMatchObject({ fromStatus: 'assigned', toStatus: 'completed', reason: 'completed: dev_worker1 took the prompt and is idle again, quiet for 10 s (its turn ended before it was seen working)' });
      expect(currentTask('dev_worker1')).toBeNull();
    });

    it('a delivery result that arrives after the turn ended: in progress on an idle session, then completed', async () => {
      let finish: (o: Outcome) => void = () => undefined;
      slowOutcome = new Promise<Outcome>((resolve) => (finish = resolve));
      const a = add('infrastructure', 'a');
      assigner.round();
      await vi.waitFor(() => expect(delivered).toHaveLength(1));
      // The agent worked and went idle while the delivery still checked; the monitor saw neither.
      output('dev_worker1', clock.ms + 200);
      clock.ms += 500;
      finish({ outcome: 'taken', reason: 'the agent is working' });
      await assigner.settled();
      expect(store.tasks.get(a.id)?.status).toBe('in_progress');
      clock.ms += 11_000;
      await run();
      expect(store.tasks.get(a.id)?.status).toBe('completed');
    });

    it('a turn whose output all came before the delivery was confirmed (a loaded machine): still completed once quiet', async () => {
      const a = add('infrastructure', 'a');
      output('dev_worker1', clock.ms - 100);
      await run();
      clock.ms += 9_000;
      await run();
      expect(store.tasks.get(a.id)?.status).toBe('assigned');
      clock.ms += 2_000;
      await run();
      expect(store.tasks.get(a.id)?.status).toBe('completed');
    });

    it('a session that is working is never reconciled, however long', async () => {
      const a = add('infrastructure', 'a');
      await run();
      sessions = sessions.map((x) => (x.name === 'dev_worker1' ? { ...x, state: 'working' } : x));
      clock.advanceMinutes(20);
      await run();
      expect(store.tasks.get(a.id)?.status).toBe('assigned');
    });

    it('the SLA of a session: liveness is its process, not its output (an idle agent silent for 10 minutes stays in sessions_active)', () => {
      // The shipped query, as the console loads it.
      const loaded = loadConfig({ dir: path.resolve(import.meta.dirname, '../../../config'), env: null });
      if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('; '));
      const sql = loaded.snapshot.queries.queries.sessions_active?.sql;
      expect(sql).toContain('last_heartbeat');
      const x = sessions[0]!;
      store.sessions.recordTransition(x.id, null, 'idle', null);
      // Its last output was long ago; the monitor still sees its process, idle.
      store.sessions.alive([x.id], new Date());
      const rows = store.reader.prepare(sql!).all() as { name: string }[];
      expect(rows.map((r) => r.name)).toContain(x.name);
    });
  });

  it('a session exiting mid-task puts its task back in the queue, marked in its history', async () => {
    sessions = [session('dev_worker1')];
    const a = add('feature_development', 'a');
    await run();
    setState('dev_worker1', 'working');
    sessions = [];
    assigner.onSessions(sessions, [{ name: 'dev_worker1', from: 'working', to: 'exited', reason: 'pane closed' }]);
    expect(store.tasks.get(a.id)?.status).toBe('pending');
    expect(store.tasks.history(a.id).at(-1)?.reason).toMatch(/dev_worker1 exited mid-task \(pane closed\)/);
  });

  it('a session that vanishes without a transition gives its task back on the next round', async () => {
    sessions = [session('dev_worker1')];
    const a = add('feature_development', 'a');
    await run();
    sessions = [];
    await run();
    expect(store.tasks.get(a.id)?.status).toBe('pending');
    expect(store.tasks.history(a.id).at(-1)?.reason).toMatch(/no longer running/);
  });

  it('over timeout_minutes: reassigned to another session, not back to the one that timed out', async () => {
    sessions = [session('dev_worker2'), session('codex', 'working', 'codex', '%3')];
    const bug = add('bug_fix', 'bug');
    await run();
    setState('dev_worker2', 'working');
    expect(store.tasks.get(bug.id)?.assignedTo).toBe('dev_worker2');
    clock.advanceMinutes(31);
    setState('codex', 'idle');
    await assigner.settled();
    // dev_worker2 is preferred #1 but timed out on it; codex (#2) takes it.
    expect(store.tasks.get(bug.id)).toMatchObject({ status: 'assigned', assignedTo: 'codex' });
    const kinds = store.decisions.forTask(bug.id).map((d) => `${d.kind}:${d.decision}`);
    expect(kinds).toContain('timeout:requeued');
  });

  it('a session waiting or in error while holding a task keeps it; the trail says so once', async () => {
    sessions = [session('dev_worker1')];
    const a = add('feature_development', 'a');
    await run();
    setState('dev_worker1', 'working');
    setState('dev_worker1', 'waiting');
    setState('dev_worker1', 'working');
    setState('dev_worker1', 'waiting');
    expect(store.tasks.get(a.id)?.status).toBe('in_progress');
    expect(store.decisions.forTask(a.id).filter((d) => d.decision === 'waiting')).toHaveLength(1);
  });

  it('explain tells the trail: queued with the reason, then assigned', async () => {
    sessions = [session('dev_worker2', 'working'), session('codex', 'idle', 'codex', '%3'), session('architect')];
    sessions[1] = { ...sessions[1]!, state: 'waiting' };
    const bug = add('bug_fix', 'Fix login');
    await run();
    setState('dev_worker2', 'idle');
    await assigner.settled();
    const text = explainTask(store, bug.id);
    expect(text).toContain('task #1 "Fix login" (bug_fix, priority 5): assigned on dev_worker2');
    expect(text).toMatch(/queued: no idle session among \[dev_worker2, codex\]; dev_worker2 is working; codex is waiting/);
    expect(text).toMatch(/→ assigned to dev_worker2 \(preferred #1 for bug_fix\) at \d\d:\d\d:\d\d/);
    expect(text.indexOf('queued:')).toBeLessThan(text.indexOf('→ assigned'));
  });

  it('a session being typed into is busy, even if its task is cancelled meanwhile', async () => {
    sessions = [session('dev_worker1')];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const a = add('feature_development', 'a');
    const slowDeliver = new Assigner({
      store,
      getSnapshot: () => ({ routing: RULES }),
      getSessions: () => sessions,
      deliver: async (s, prompt) => {
        delivered.push({ session: s.name, prompt });
        await gate;
        return outcome;
      },
      clock: clock.now,
    });
    await stop();
    stop = slowDeliver.start();
    await new Promise((r) => setImmediate(r));
    expect(delivered).toHaveLength(1);
    store.tasks.cancel(a.id);
    const b = add('feature_development', 'b');
    slowDeliver.kick();
    await new Promise((r) => setImmediate(r));
    const whileTyping = store.tasks.get(b.id)?.status;
    release();
    await slowDeliver.settled();
    expect(whileTyping).toBe('pending');
    expect(delivered.map((d) => d.prompt)).toEqual(['do a', 'do b']);
  });

  it('dryRun shows the decisions and changes nothing', async () => {
    const a = add('bug_fix', 'a');
    add('nonsense_type', 'b');
    const before = store.dataVersion();
    const decisions = assigner.dryRun(RULES, sessions);
    expect(decisions).toEqual([
      { taskId: a.id, taskType: 'bug_fix', kind: 'assign', session: 'dev_worker2', reason: expect.stringContaining('dev_worker2') },
      { taskId: a.id + 1, taskType: 'nonsense_type', kind: 'queued', session: null, reason: expect.stringContaining('no rule for type "nonsense_type"') },
    ]);
    expect(store.tasks.get(a.id)?.status).toBe('pending');
    expect(store.dataVersion()).toBe(before);
  });
});

describe('planRound: the head of the queue', () => {
  it('an urgent type is routed first even when its tasks sit deeper in the queue than a round reads', () => {
    const t = tempStore();
    try {
      const queue = new TaskQueue(t.store);
      // Two full windows of higher-priority work, then a bug_fix (urgent in RULES) at priority 1.
      addTasks(t.store, 2 * MIN_ROUND_WINDOW, { type: 'feature_development', priority: 8 });
      const bug = t.store.tasks.add({ type: 'bug_fix', title: 'bug', priority: 1 });
      const sessions = [session('dev_worker1', 'idle', 'claude', '%1')];
      const plan = planRound(queue, RULES, sessions, new Date(), { limit: roundWindow(sessions.length) });
      expect(plan.queueCut).toBe(true);
      expect(plan.decisions.filter((d) => d.kind === 'assigned')).toEqual([expect.objectContaining({ taskId: bug.id, session: 'dev_worker1' })]);
      // Still one window's worth of tasks, not the whole queue.
      expect(plan.decisions.length).toBe(roundWindow(sessions.length));
    } finally {
      t.cleanup();
    }
  });
});

describe('Assigner: work deeper than the head of the queue', () => {
  it('reads further, window by window, until a free session finds work it can take', async () => {
    const t = tempStore();
    const rules = RoutingFile.parse({ ...RULES, environment_routing: { ...RULES.environment_routing, codex_only: { supported_providers: ['codex'], priority: 9 } } });
    const sessions = [session('dev_worker1', 'idle', 'claude', '%1'), session('codex', 'working', 'codex', '%2')];
    const assigner = new Assigner({ store: t.store, getSnapshot: () => ({ routing: rules }), getSessions: () => sessions, deliver: async () => ({ outcome: 'taken', reason: 'test' }) });
    const stop = assigner.start();
    try {
      // Deeper than the first window grown once (64 → 512): only codex (busy) can take the head.
      const depth = MIN_ROUND_WINDOW * WINDOW_GROWTH * 2;
      addTasks(t.store, depth, { type: 'codex_only', priority: 9 });
      const deep = t.store.tasks.add({ type: 'feature_development', title: 'deep', priority: 5 });
      assigner.round();
      await assigner.settled();
      expect(t.store.tasks.get(deep.id)).toMatchObject({ status: 'assigned', assignedTo: 'dev_worker1' });
    } finally {
      await stop();
      t.cleanup();
    }
  });
});

describe('planRound: free sessions', () => {
  it('an idle agent no rule accepts is not free (else every round reads the whole queue), unless a task is sent to it by name', () => {
    const t = tempStore();
    try {
      const queue = new TaskQueue(t.store);
      addTasks(t.store, 300, { type: 'feature_development' });
      const sessions = [session('dev_worker1', 'working', 'claude', '%1'), session('helper', 'idle', 'aider', '%2')];
      const now = new Date();
      const plan = planRound(queue, RULES, sessions, now, { limit: roundWindow(sessions.length) });
      expect(plan).toMatchObject({ free: 0, queueCut: true });
      expect(plan.decisions.every((d) => d.kind === 'queued')).toBe(true);

      const pinned = t.store.tasks.add({ type: 'feature_development', title: 'for helper', priority: 10 });
      expect(queue.sendTo(pinned.id, 'helper', { kind: 'route', who: 'the test' }, now).outcome).toBe('sent');
      const again = planRound(queue, RULES, sessions, now, { limit: roundWindow(sessions.length) });
      expect(again.free).toBe(1);
      expect(again.decisions.find((d) => d.taskId === pinned.id)).toMatchObject({ kind: 'assigned', session: 'helper' });
    } finally {
      t.cleanup();
    }
  });
});
