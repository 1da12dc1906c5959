import type { TaskCounts } from '../../shared/api.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { lockForConsole } from '../store/console-lock.js';
import { openStore, type Store } from '../store/store.js';
import { watchExternalWrites } from '../store/external-writes.js';

export interface StoreFeature {
  store: Store;
  /** Tell every client the queue changed (only when the counts moved). */
  publishTasks(): void;
  stop(): void;
}

/**
 * The database, held by this console alone (console-lock.ts), and `tasks.changed`
 * whenever it changes — here or in another process (the CLI).
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
  const publishTasks = (): void => {
    const now = summary();
    const text = JSON.stringify(now);
    if (text === last) return;
    last = text;
    opts.bus.emit('tasks.changed', now);
  };
  const stopWatch = watchExternalWrites(store, publishTasks);
  return {
    store,
    publishTasks,
    stop: () => {
      stopWatch();
      store.close();
      lock.release();
    },
  };
}
