import type { TaskCounts } from '../../shared/api.js';
import type { EventBus } from '../events/bus.js';
import { coalesce } from '../events/coalesce.js';
import type { Logger } from '../log/logger.js';
import { lockForConsole } from '../store/console-lock.js';
import { openStore, type Store } from '../store/store.js';
import { watchExternalWrites } from '../store/external-writes.js';

/**
 * `tasks.changed` at most this often: a burst of changes (a round claiming or requeueing
 * tasks, a start-up recovery of thousands) is one event with the counts at its end. A
 * first change after a quiet spell is told on the next turn; the Overview waits 5 s
 * before its heavy reloads anyway.
 */
export const TASKS_CHANGED_EVERY_MS = 250;

export interface StoreFeature {
  store: Store;
  /** Tell every client the queue changed (only when the counts moved), once per burst of changes. */
  publishTasks(): void;
  /**
   * Calls `listener` after another process commits to the database (the CLI adding a
   * task, a second console), or this console's write worker: within
   * EXTERNAL_WRITE_POLL_MS; never for this console's own writer. Returns unsubscribe.
   */
  onOutsideCommit(listener: () => void): () => void;
  stop(): void;
}

/**
 * The database, held by this console alone (console-lock.ts), and `tasks.changed`
 * whenever it changes — here or in another process (the CLI). Another process's
 * commits are also announced to onOutsideCommit's listeners (the assigner).
 */
export function setupStore(opts: { path: string; bus: EventBus; log: Logger; nativeBinding?: string }): StoreFeature {
  const lock = lockForConsole(opts.path, { nativeBinding: opts.nativeBinding, command: process.argv.slice(1).join(' ') });
  let store: Store;
  try {
    store = openStore({ path: opts.path, logger: opts.log.child({ component: 'store' }), nativeBinding: opts.nativeBinding, backgroundCheckpoints: true });
  } catch (err) {
    lock.release();
    throw err;
  }
  const summary = (): { total: number; counts: TaskCounts } => {
    const counts = store.tasks.counts();
    return { total: Object.values(counts).reduce((a, b) => a + b, 0), counts };
  };
  let last = JSON.stringify(summary());
  const publishNow = (): void => {
    let now: ReturnType<typeof summary>;
    try {
      now = summary();
    } catch (err) {
      opts.log.warn('could not read the task counts', { error: err instanceof Error ? err.message : String(err) });
      return;
    }
    const text = JSON.stringify(now);
    if (text === last) return;
    last = text;
    opts.bus.emit('tasks.changed', now);
  };
  const tasksChanged = coalesce(publishNow, TASKS_CHANGED_EVERY_MS);
  const publishTasks = (): void => tasksChanged.call();
  const listeners = new Set<() => void>();
  let outside = store.outsideVersion();
  const stopWatch = watchExternalWrites(store, () => {
    publishTasks();
    // The reader's data_version moves with this console's own commits too (a session row,
    // a claim): those are told by the task core. On the 1M bench they were 2-3 a second,
    // each a routing round for nothing.
    const now = store.outsideVersion();
    if (now === outside) return;
    outside = now;
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        opts.log.error('a listener for outside commits failed', { error: err instanceof Error ? err : String(err) });
      }
    }
  });
  return {
    store,
    publishTasks,
    onOutsideCommit: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () => {
      tasksChanged.cancel();
      stopWatch();
      store.close();
      lock.release();
    },
  };
}
