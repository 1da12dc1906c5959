import type { Store } from './store.js';

/**
 * Polling data_version is how SQLite tells one process that another committed
 * (the CLI adding a task while the console runs). 250 ms keeps "noticed within a
 * second" with room to spare, and one PRAGMA costs microseconds.
 */
export const EXTERNAL_WRITE_POLL_MS = 250;

/**
 * Calls onChange after any commit by a connection other than the store's reader (the one
 * polled): another process's, and this process's own writer's too. Returns stop(). To
 * hear another process only, compare Store.outsideVersion as well (setup/store.ts).
 */
export function watchExternalWrites(store: Store, onChange: () => void, intervalMs = EXTERNAL_WRITE_POLL_MS): () => void {
  let last = store.dataVersion();
  const timer = setInterval(() => {
    let now: number;
    try {
      now = store.dataVersion();
    } catch {
      return; // closed under us; stop() follows
    }
    if (now !== last) {
      last = now;
      onChange();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
