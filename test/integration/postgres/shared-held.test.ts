// The held tasks a shared-queue round plans with (issue 17): a round of the shared
// assigner reads every held task from PostgreSQL at most once, and not at all while the
// console's memory of them (PostgresHeldTasks, kept from LISTEN/NOTIFY) is current;
// after the LISTEN connection is lost, rounds read them until the full read made once
// it is back. What a round writes itself (a timeout's requeue, claims before another
// pass) is applied to its list, not read again. A task another console claimed is
// seen; and when the list is behind another console's claim, the claim's guard still
// keeps that session from a second task. Counted by a wrapper around the store's
// heldTasks(), on a throw-away PostgreSQL cluster, a clock the test moves.
import { describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { SharedAssigner } from '../../../src/main/assigner/shared.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { PostgresHeldTasks, type HeldTasksView } from '../../../src/main/store/postgres/held-tasks.js';
import { listenForTasks } from '../../../src/main/store/postgres/queue.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import type { HeldTask } from '../../../src/main/store/task-queue.js';
import type { TaskStore } from '../../../src/main/store/task-store.js';
import { storeEngines, type PostgresSide } from '../../support/engines.js';
import { pollUntil } from '../../support/poll.js';
import { TestClock, session } from '../../unit/assigner/fixture.js';

/** The store, with every heldTasks() call counted. */
function countingHeldReads(store: TaskStore): { store: TaskStore; reads: { n: number } } {
  const reads = { n: 0 };
  const counted = new Proxy(store, {
    get(target, prop) {
      if (prop === 'heldTasks') {
        return async (): Promise<HeldTask[]> => {
          reads.n++;
          return target.heldTasks();
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: counted, reads };
}

// Only the postgres side is used: storeEngines starts this file's cluster and makes a database per test.
const { missing, postgresDatabase } = storeEngines<PostgresSide>({ sqlite: () => { throw new Error('PostgreSQL only'); }, postgres: (side) => side }, { poolMax: 8 });

/** `bug_fix` times out after 30 min; `gem` only runs on gemini, which no session is: it waits at the head of the queue. */
const RULES = RoutingFile.parse({
  version: '1',
  environment_routing: { bug_fix: { timeout_minutes: 30 }, gem: { supported_providers: ['gemini'] } },
  supported_providers: ['claude'],
});

interface Console {
  pg: PostgresSide;
  store: PostgresTaskStore;
  assigner: SharedAssigner;
  reads: { n: number };
  /** The held tasks kept from LISTEN/NOTIFY, when the console keeps them. */
  held: PostgresHeldTasks | null;
  clock: TestClock;
  setSessions: (s: Session[]) => void;
  /** One round (called directly: no round of its own runs beside the test's), its deliveries settled; the held-tasks reads it made. */
  round: () => Promise<number>;
  close: () => Promise<void>;
}

/** A console's assigner on a new database, with the held tasks kept from LISTEN (`view: 'listen'`), a view the test gives, or none. */
async function openConsole(view: 'listen' | 'none' | HeldTasksView, initial: Session[]): Promise<Console> {
  const pg = await postgresDatabase({ max: 8 });
  const store = new PostgresTaskStore(pg.pool);
  const counting = countingHeldReads(store);
  let held: PostgresHeldTasks | null = null;
  let stopListening = async (): Promise<void> => undefined;
  if (view === 'listen') {
    held = new PostgresHeldTasks(pg.pool);
    const kept = held;
    const listener = await listenForTasks(parsePostgresUrl(pg.url, 'test'), (change) => kept.changed(change));
    stopListening = listener.stop;
    await held.reload();
  }
  const clock = new TestClock();
  let sessions = initial;
  const assigner = new SharedAssigner({
    store: counting.store,
    holder: 'console A',
    getSnapshot: () => ({ routing: RULES }),
    getSessions: () => sessions,
    deliver: async () => ({ outcome: 'taken', reason: 'the agent is working' }),
    clock: clock.now,
    turnQuietMs: 600_000,
    held: view === 'listen' ? held! : view === 'none' ? undefined : view,
  });
  return {
    pg,
    store,
    assigner,
    reads: counting.reads,
    held,
    clock,
    setSessions: (s) => (sessions = s),
    round: async () => {
      const before = counting.reads.n;
      await assigner.round();
      const made = counting.reads.n - before;
      await assigner.settled();
      return made;
    },
    close: async () => {
      await assigner.stop();
      await stopListening();
    },
  };
}

const bug = (store: TaskStore, title: string, priority = 5) => store.add({ type: 'bug_fix', title, prompt: `fix ${title}`, priority });

describe.skipIf(missing)(`held tasks in a shared-queue round${missing ? ` (skipped: ${missing})` : ''}`, () => {
  /**
   * Rounds that used to read the held tasks 2 to 3 times: a timeout given back (read
   * again after the lifecycle), and claims followed by another pass (read again
   * before it). Returns each round's reads and what happened, for both set-ups.
   */
  const scenario = async (c: Console): Promise<number[]> => {
    const reads: number[] = [];
    // A timeout: w1 takes a bug, holds it 31 minutes; the round gives it back and w2 takes it.
    const first = await bug(c.store, 'first');
    reads.push(await c.round());
    expect(await c.store.get(first.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w1' });
    c.setSessions([session('w1', 'idle', 'claude', '%1'), session('w2', 'idle', 'claude', '%2')]);
    c.clock.advanceMinutes(31);
    reads.push(await c.round());
    expect(await c.store.get(first.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w2' });
    // w2 finishes; two passes: a bug at the head (to w1), 70 gem tasks nobody can take, a bug beyond the first window (to w2).
    await c.store.complete(first.id, 'w2', 'done', c.clock.now());
    const lead = await bug(c.store, 'lead', 9);
    for (let i = 0; i < 70; i++) await c.store.add({ type: 'gem', title: `gem ${i}`, prompt: 'p', priority: 5 });
    const deep = await bug(c.store, 'deep', 1);
    const held = c.held;
    if (held) await pollUntil('the completion heard', () => held.current()?.some((t) => t.id === first.id) === false, { limitMs: 15_000 });
    reads.push(await c.round());
    const taken = [await c.store.get(lead.id), await c.store.get(deep.id)];
    expect(taken.map((t) => t?.status)).toEqual(['in_progress', 'in_progress']);
    expect(taken.map((t) => t?.assignedTo).sort()).toEqual(['w1', 'w2']);
    // Nothing to do: a round with every session busy.
    reads.push(await c.round());
    return reads;
  };

  it('without the kept held tasks, a round reads them once, however many passes and lifecycle changes it has', async () => {
    const c = await openConsole('none', [session('w1', 'idle', 'claude', '%1')]);
    try {
      expect(await scenario(c)).toEqual([1, 1, 1, 1]);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('with the held tasks kept from LISTEN/NOTIFY, a round reads none; after the LISTEN connection is lost, one until the full read once it is back', async () => {
    const c = await openConsole('listen', [session('w1', 'idle', 'claude', '%1')]);
    try {
      expect(await scenario(c)).toEqual([0, 0, 0, 0]);
      // The kept list is the queue's: the same tasks, statuses and times as a read.
      expect(c.held!.current()).toEqual(await c.store.heldTasks());
      expect(c.held!.reads.full).toBe(1);
      // Lost: changes may go unheard, the rounds read (once each) until the full read after the reconnect.
      c.held!.lost();
      expect(c.held!.current()).toBeNull();
      expect(await c.round()).toBe(1);
      expect(await c.round()).toBe(1);
      await c.held!.reload();
      expect(await c.round()).toBe(0);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a full read asked before the LISTEN connection was lost does not make the kept held tasks current', async () => {
    const c = await openConsole('listen', [session('w1', 'working', 'claude', '%1')]);
    try {
      const reading = c.held!.reload();
      c.held!.lost();
      await reading;
      expect(c.held!.current()).toBeNull();
      await c.held!.reload();
      expect(c.held!.current()).toEqual([]);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a task another console claimed is seen: its session gets nothing more, the next task goes to a free one, with no read', async () => {
    const c = await openConsole('listen', [session('w1', 'idle', 'claude', '%1'), session('w2', 'idle', 'claude', '%2')]);
    try {
      // Console B (its own store on the same database) claims a task for w1: the same tmux server, seen by both.
      const other = new PostgresTaskStore(c.pg.pool);
      const theirs = await bug(other, 'theirs', 9);
      expect(await other.claimMany([{ taskId: theirs.id, session: 'w1', reason: 'console B' }], [], new Date(), { holder: 'console B', ttlMs: 30_000 })).toHaveLength(1);
      await pollUntil('B\'s claim heard', () => c.held!.current()?.some((t) => t.id === theirs.id && t.session === 'w1') === true, { limitMs: 15_000 });
      const mine = await bug(c.store, 'mine');
      expect(await c.round()).toBe(0);
      expect(await c.store.get(mine.id)).toMatchObject({ status: 'in_progress', assignedTo: 'w2' });
      expect(await c.store.get(theirs.id)).toMatchObject({ status: 'assigned', assignedTo: 'w1' });
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a kept list behind another console\'s claim never gives that session a second task: the claim is refused, the task stays queued', async () => {
    // A view that has not heard of anything: every session looks free.
    const behind: HeldTasksView = { settled: async () => undefined, current: () => [], recheck: () => undefined };
    const c = await openConsole(behind, [session('w1', 'idle', 'claude', '%1')]);
    try {
      const other = new PostgresTaskStore(c.pg.pool);
      const theirs = await bug(other, 'theirs', 9);
      expect(await other.claimMany([{ taskId: theirs.id, session: 'w1', reason: 'console B' }], [], new Date(), { holder: 'console B', ttlMs: 30_000 })).toHaveLength(1);
      const mine = await bug(c.store, 'mine');
      expect(await c.round()).toBe(0);
      expect(await c.store.get(mine.id)).toMatchObject({ status: 'pending' });
      const heldByW1 = (await c.store.heldTasks()).filter((t) => t.session === 'w1').map((t) => t.id);
      expect(heldByW1).toEqual([theirs.id]);
    } finally {
      await c.close();
    }
  }, 60_000);
});
