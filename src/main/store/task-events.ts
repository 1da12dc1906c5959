import type { EventBus } from '../events/bus.js';
import { watchExternalWrites, EXTERNAL_WRITE_POLL_MS } from './external-writes.js';
import type { Store } from './store.js';

/**
 * Pushes `tasks.changed` whenever the database changes and the counts moved —
 * whoever wrote it (this process, the CLI, another console). Returns stop().
 */
export function startTaskEvents(store: Store, bus: EventBus, intervalMs = EXTERNAL_WRITE_POLL_MS): () => void {
  let last = '';
  const publish = (): void => {
    const counts = store.tasks.counts();
    const key = JSON.stringify(counts);
    if (key === last) return;
    last = key;
    bus.emit('tasks.changed', { total: Object.values(counts).reduce((a, b) => a + b, 0), counts });
  };
  last = JSON.stringify(store.tasks.counts());
  return watchExternalWrites(store, publish, intervalMs);
}
