// The tasks sessions hold, kept in memory: read whole once, then brought up to date
// from task_events (every status change, whoever made it), so a round reads only
// what changed — never every held task (a backlog can hold 90k). Gives a round what
// it can use: the tasks of the sessions it looks at, and the tasks past their
// timeout (per-type heaps by assignment time, so finding them does not walk the rest).
import type { RoutingFile } from '../config/schemas/routing.js';
import type { HeldTask, TaskQueue } from '../store/task-queue.js';
import { fromSqlTime } from '../store/time.js';

const MS_PER_MINUTE = 60_000;
/** Status changes read per query while catching up. */
const EVENTS_PER_READ = 2_000;

interface Entry {
  at: number;
  id: number;
}

/** A binary min-heap on `at`; entries of tasks no longer held are dropped lazily. */
class Heap {
  private readonly items: Entry[] = [];
  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.at <= a[i]!.at) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  peek(): Entry | undefined {
    return this.items[0];
  }
  pop(): void {
    const a = this.items;
    const last = a.pop();
    if (!last || a.length === 0) return;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.at < a[m]!.at) m = l;
      if (r < a.length && a[r]!.at < a[m]!.at) m = r;
      if (m === i) break;
      [a[m], a[i]] = [a[i]!, a[m]!];
      i = m;
    }
  }
  /** Every entry with at ≤ limit (visits only those and their children). */
  upTo(limit: number, out: Entry[], i = 0): void {
    const e = this.items[i];
    if (!e || e.at > limit) return;
    out.push(e);
    this.upTo(limit, out, 2 * i + 1);
    this.upTo(limit, out, 2 * i + 2);
  }
}

export class HeldIndex {
  private readonly byId = new Map<number, HeldTask & { atMs: number }>();
  private readonly bySession = new Map<string, Set<number>>();
  private readonly byType = new Map<string, Heap>();
  private cursor = 0;
  private loaded = false;

  constructor(private readonly queue: TaskQueue) {}

  /** Up to date with the database: everything once, then only the tasks whose status changed. */
  refresh(): void {
    if (!this.loaded) {
      this.cursor = this.queue.lastStatusChange();
      for (const t of this.queue.heldTasks()) this.add(t);
      this.loaded = true;
      return;
    }
    for (;;) {
      const events = this.queue.statusChangesAfter(this.cursor, EVENTS_PER_READ);
      if (events.length === 0) return;
      this.cursor = events[events.length - 1]!.id;
      const ids = [...new Set(events.map((e) => e.taskId))];
      for (const id of ids) this.remove(id);
      for (const t of this.queue.heldAmong(ids)) this.add(t);
      if (events.length < EVENTS_PER_READ) return;
    }
  }

  get size(): number {
    return this.byId.size;
  }

  /** The tasks these sessions hold (copies: the lifecycle marks them as it goes). */
  ofSessions(names: Iterable<string>): HeldTask[] {
    const out: HeldTask[] = [];
    for (const name of names) for (const id of this.bySession.get(name) ?? []) out.push(this.copy(this.byId.get(id)!));
    return out;
  }

  private copy(t: HeldTask & { atMs: number }): HeldTask {
    const { atMs: _atMs, ...task } = t;
    return task;
  }

  /** Held tasks past their type's timeout_minutes at `now`, oldest first, at most `limit`. */
  overdue(rules: RoutingFile, now: Date, limit: number): HeldTask[] {
    const out: Array<HeldTask & { atMs: number }> = [];
    for (const [type, heap] of this.byType) {
      const minutes = this.timeoutOf(rules, type);
      if (minutes === undefined) continue;
      const found: Entry[] = [];
      heap.upTo(now.getTime() - minutes * MS_PER_MINUTE - 1, found);
      for (const e of found) {
        const t = this.byId.get(e.id);
        if (t && t.atMs === e.at) out.push({ ...t });
      }
    }
    return out
      .sort((a, b) => a.atMs - b.atMs)
      .slice(0, limit)
      .map((t) => this.copy(t));
  }

  /** When the earliest held task runs over its timeout, or null when none can. */
  nextTimeout(rules: RoutingFile): number | null {
    let earliest: number | null = null;
    for (const [type, heap] of this.byType) {
      const minutes = this.timeoutOf(rules, type);
      if (minutes === undefined) continue;
      // Entries of tasks no longer held (or re-assigned since) are dropped here.
      for (let top = heap.peek(); top; top = heap.peek()) {
        const t = this.byId.get(top.id);
        if (t && t.atMs === top.at) break;
        heap.pop();
      }
      const top = heap.peek();
      if (top && (earliest === null || top.at + minutes * MS_PER_MINUTE < earliest)) earliest = top.at + minutes * MS_PER_MINUTE;
    }
    return earliest;
  }

  private timeoutOf(rules: RoutingFile, type: string): number | undefined {
    return Object.hasOwn(rules.environment_routing, type) ? rules.environment_routing[type]?.timeout_minutes : undefined;
  }

  private add(t: HeldTask): void {
    const atMs = t.assignedAt ? Date.parse(fromSqlTime(t.assignedAt)) : Number.NaN;
    this.byId.set(t.id, { ...t, atMs });
    let ids = this.bySession.get(t.session);
    if (!ids) this.bySession.set(t.session, (ids = new Set()));
    ids.add(t.id);
    if (Number.isNaN(atMs)) return; // no assignment time: no timeout can be counted
    let heap = this.byType.get(t.type);
    if (!heap) this.byType.set(t.type, (heap = new Heap()));
    heap.push({ at: atMs, id: t.id });
  }

  private remove(id: number): void {
    const t = this.byId.get(id);
    if (!t) return;
    this.byId.delete(id);
    const ids = this.bySession.get(t.session);
    ids?.delete(id);
    if (ids?.size === 0) this.bySession.delete(t.session);
  }
}
