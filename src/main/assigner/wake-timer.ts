// An assigner's only timer (both engines): the next moment something becomes due — a
// retry back-off, a not_before, a timeout, a missed turn to reconcile.

/** Never wake sooner than this: a due time in the past is handled by the round already running. */
const MIN_WAKE_MS = 20;
/** setTimeout's limit (~24.8 days); a later due time is re-armed by the next event anyway. */
const MAX_WAKE_MS = 2 ** 31 - 1;

export class WakeTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly wake: () => void) {}

  /** Wakes at `dueMs` (replacing the last one), or never when null. */
  arm(dueMs: number | null, now: Date): void {
    this.clear();
    if (dueMs === null) return;
    const delay = Math.min(MAX_WAKE_MS, Math.max(MIN_WAKE_MS, dueMs - now.getTime()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, delay);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The earlier of two due times (null: none). */
export function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
