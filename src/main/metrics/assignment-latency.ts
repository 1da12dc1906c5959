// How long tasks wait in the queue before a session gets them, as a Prometheus
// histogram kept in memory: observing is O(buckets), reading never touches SQLite.

/** Seconds. From "taken at once" to "waited half a day": the useful range for agent work. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600];

export class AssignmentLatency {
  /** Cumulative counts per bucket (Prometheus `le` semantics), then +Inf = count. */
  readonly buckets: number[] = LATENCY_BUCKETS_SECONDS.map(() => 0);
  count = 0;
  sumSeconds = 0;

  observe(seconds: number): void {
    const s = Math.max(0, seconds);
    this.count++;
    this.sumSeconds += s;
    LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
      if (s <= le) this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    });
  }
}
