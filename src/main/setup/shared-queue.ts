// A console on a shared PostgreSQL queue (issue 17): its own pool, the schema brought
// up to date (one console migrates, another starting at the same moment waits), the
// PostgreSQL task store, the shared assigner with its leases, and a LISTEN connection
// that wakes the assigner whenever any console or CLI changes the queue (listened
// again, with back-off, if the connection drops; a round runs after each reconnect, as
// notifications sent meanwhile are lost).
import os from 'node:os';
import type pg from 'pg';
import type { Session } from '../../shared/api.js';
import type { Deliver } from '../assigner/assigner.js';
import type { StateChange } from '../assigner/lifecycle.js';
import { SharedAssigner } from '../assigner/shared.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Logger } from '../log/logger.js';
import type { AssignmentLatency } from '../metrics/assignment-latency.js';
import { migrations } from '../store/migrations/index.js';
import { migratePostgres } from '../store/postgres/migrate.js';
import { openPool } from '../store/postgres/pool.js';
import { AttentionMemory } from '../store/attention.js';
import { PostgresHeldTasks } from '../store/postgres/held-tasks.js';
import { PostgresTaskOutcomes } from '../store/postgres/task-outcomes.js';
import type { Store } from '../store/store.js';
import { listenForTasks, type TaskChange } from '../store/postgres/queue.js';
import { PostgresTaskStore } from '../store/postgres/task-store.js';
import type { PostgresTarget } from '../store/postgres/url.js';

const RELISTEN_MIN_MS = 500;
const RELISTEN_MAX_MS = 30_000;

export interface SharedQueue {
  store: PostgresTaskStore;
  assigner: SharedAssigner;
  /** The task each session holds, kept from the queue's announced changes (session cards, attention). */
  held: PostgresHeldTasks;
  /** The queue's connections (for readers that follow the queue's changes). */
  pool: pg.Pool;
  /**
   * Every task change any console or CLI announces; null after the LISTEN connection
   * was (re)made (changes announced meanwhile were not heard). Returns the unsubscribe.
   */
  onTaskChange(listener: (change: TaskChange | null) => void): () => void;
  /** This console's name in leases and history rows. */
  holder: string;
  stop(): Promise<void>;
}

/** This console's name in the shared queue: host and pid (two consoles on one machine differ by pid). */
export function consoleName(): string {
  return `${os.hostname()} pid ${process.pid}`;
}

export async function startSharedQueue(opts: {
  target: PostgresTarget;
  getSnapshot: () => Pick<ConfigSnapshot, 'routing'> | null;
  getSessions: () => Session[];
  onSessions: (listener: (sessions: Session[], transitions: ReadonlyArray<StateChange>) => void) => () => void;
  deliver: Deliver;
  log: Logger;
  /** false: follow the queue, but never claim or type (`serve --no-dispatch`). */
  dispatch?: boolean;
  holder?: string;
  leaseMs?: number;
  onChange?: () => void;
  /** Where the assigner's queue-to-claim times go (the console's /metrics). */
  latency?: AssignmentLatency;
}): Promise<SharedQueue> {
  const log = opts.log.child({ component: 'shared-queue' });
  const holder = opts.holder ?? consoleName();
  const pool = await openPool(opts.target, { max: 8, applicationName: `architect console (${holder})` });
  try {
    await migratePostgres(pool, opts.target.display, migrations);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const store = new PostgresTaskStore(pool);
  const held = new PostgresHeldTasks(pool, (err) => log.warn('could not read the tasks sessions hold', { error: err.message }));
  const assigner = new SharedAssigner({
    store,
    holder,
    getSnapshot: opts.getSnapshot,
    getSessions: opts.getSessions,
    deliver: opts.deliver,
    logger: log,
    leaseMs: opts.leaseMs,
    onChange: opts.onChange,
    latency: opts.latency,
    // Its rounds plan with the held tasks kept here from the announced changes (read only when these may have missed one).
    held,
  });

  let stopped = false;
  let listener: { stop: () => Promise<void> } | null = null;
  let relistenTimer: NodeJS.Timeout | null = null;
  const wake = (): void => {
    assigner.wake();
    opts.onChange?.();
  };
  const changeListeners = new Set<(change: TaskChange | null) => void>();
  const tell = (change: TaskChange | null): void => {
    for (const l of changeListeners) {
      try {
        l(change);
      } catch (err) {
        log.warn('a listener of the queue\'s changes failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  const changed = (change: TaskChange): void => {
    held.changed(change);
    tell(change);
    wake();
  };
  const listen = async (waitMs: number): Promise<void> => {
    try {
      listener = await listenForTasks(opts.target, changed, {
        onLost: (err) => {
          log.warn(`lost the LISTEN connection to ${opts.target.display}; listening again`, { error: err?.message ?? 'closed' });
          listener = null;
          // Changes announced until it is back are not heard: rounds read the held tasks until the full read after it.
          held.lost();
          schedule(RELISTEN_MIN_MS);
        },
      });
      if (stopped) await listener.stop();
      else {
        // Changes announced while no one listened are lost: the held tasks are read again.
        void held.reload();
        tell(null);
        wake();
      }
    } catch (err) {
      log.warn(`cannot LISTEN on ${opts.target.display}; trying again in ${Math.round(waitMs / 1000)} s`, { error: (err as Error).message });
      schedule(Math.min(RELISTEN_MAX_MS, waitMs * 2));
    }
  };
  const schedule = (waitMs: number): void => {
    if (stopped || relistenTimer) return;
    relistenTimer = setTimeout(() => {
      relistenTimer = null;
      void listen(waitMs);
    }, waitMs);
    relistenTimer.unref();
  };
  await listen(RELISTEN_MIN_MS);

  const dispatching = opts.dispatch ?? true;
  const offSessions = dispatching ? opts.onSessions((sessions, transitions) => assigner.onSessions(sessions, transitions)) : () => undefined;
  const stopAssigner = dispatching ? assigner.start() : async () => undefined;
  log.info(`on the shared queue ${opts.target.display} as "${holder}"${dispatching ? '' : ' (not dispatching)'}`);

  return {
    store,
    assigner,
    held,
    pool,
    onTaskChange: (listener) => {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    holder,
    stop: async () => {
      stopped = true;
      if (relistenTimer) clearTimeout(relistenTimer);
      offSessions();
      await stopAssigner();
      await listener?.stop();
      await pool.end();
    },
  };
}

/**
 * What attention events read of the shared queue (task outcomes, held tasks, facts),
 * its history cursor kept in this console's own file, per queue (a console pointed at
 * another database starts at that one's end).
 */
export function sharedAttentionTasks(shared: Pick<SharedQueue, 'pool' | 'held' | 'onTaskChange'>, store: Pick<Store, 'writer'>, target: Pick<PostgresTarget, 'display'>): PostgresTaskOutcomes {
  const memory = new AttentionMemory(store.writer);
  const key = `task_events of ${target.display}`;
  const outcomes = new PostgresTaskOutcomes(shared.pool, shared.held, { get: () => memory.cursor(key), set: (n) => memory.setCursor(key, n) });
  shared.onTaskChange((change) => (change ? outcomes.changed(change) : outcomes.markDirty()));
  return outcomes;
}
