import type { Store } from './store.js';

/**
 * Polling data_version is how SQLite tells one process that another committed
 * (the CLI adding a task while the console runs). 250 ms keeps "noticed within a
 * second" with room to spare, and one PRAGMA costs microseconds.
 */
export const EXTERNAL_WRITE_POLL_MS = 250;

/** Calls onChange after any commit by another connection; returns stop(). */
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
