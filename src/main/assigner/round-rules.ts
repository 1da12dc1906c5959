// The rules a routing round applies between planning and claiming, and what it keeps
// from one round to the next for them — one copy for both engines (assigner.ts on the
// console's own file, shared.ts on a shared PostgreSQL queue):
//
// - a task that timed out is not given back to the session it timed out on for
//   AVOID_AFTER_TIMEOUT_MS (that agent is probably still busy with it): the router
//   gives it to another candidate (PendingTask.avoid), or it waits, saying why;
// - why a task stayed queued goes on its decision trail, one row per change of cause
//   (not one per round);
// - least_loaded routes by the load of the last LOAD_WINDOW_MS (held tasks and those
//   finished since);
// - the time from queued to claimed of every claim, for /metrics.
//
// All of it is this console's memory: on a shared queue, the console that gave a task
// back is the one that keeps it from that session.
import type { RoutingFile } from '../config/schemas/routing.js';
import { AssignmentLatency } from '../metrics/assignment-latency.js';
import type { RoutingDecision } from '../routing/types.js';
import type { ClaimedTask, DecisionRecord } from '../store/task-queue.js';
import { fromSqlTime } from '../store/time.js';
import { MAX_TASKS_PER_ROUND } from './round-plan.js';
import { earliest } from './wake-timer.js';

/** After a timeout the task is kept from the session that timed out for this long (it is probably still busy with it). */
export const AVOID_AFTER_TIMEOUT_MS = 10 * 60_000;
/** least_loaded counts tasks a session took within this window. */
export const LOAD_WINDOW_MS = 60 * 60_000;
/**
 * The head of the queue, then WINDOW_GROWTH times further until the whole queue
 * (64 → 512 → 4,096 → 10,000: four reads at most), with one to spare.
 */
export const MAX_PASSES = 5;
const MAX_REMEMBERED_NOTES = 2 * MAX_TASKS_PER_ROUND;

export type Assignment = Extract<RoutingDecision, { kind: 'assigned' }>;

/** Task → the session it is kept from now (what a round's plan asks of the avoid rule). */
export type AvoidView = Pick<ReadonlyMap<number, string>, 'size' | 'has' | 'get'>;

/** Why a task stayed queued this round; `cause` says whether it changed since the last row. */
export interface QueuedNote {
  taskId: number;
  cause: string;
  reason: string;
}

export interface SortedDecisions {
  /** The assignments to claim. */
  claims: Assignment[];
  /** Why the others stayed queued (only those whose cause changed are written: see `toWrite`). */
  notes: QueuedNote[];
  /** The earliest retry_after_seconds of a queued task, as epoch ms; null without one. */
  dueMs: number | null;
}

export class RoundRules {
  /** Queue-to-claim times, for `/metrics`. */
  readonly latency: AssignmentLatency;
  /** The last queued cause recorded per task: a decision row per change, not per round. */
  private readonly queuedNotes = new Map<number, string>();
  private readonly avoid = new Map<number, { session: string; untilMs: number }>();

  constructor(latency?: AssignmentLatency) {
    this.latency = latency ?? new AssignmentLatency();
  }

  /** Since when least_loaded counts a session's load (null: no type routes by it, so nothing is read). */
  loadSince(rules: RoutingFile, now: Date): Date | null {
    return Object.values(rules.environment_routing).some((r) => r.strategy === 'least_loaded') ? new Date(now.getTime() - LOAD_WINDOW_MS) : null;
  }

  /**
   * Task → the session it is not given to now (planRound's `avoid`); ten minutes on, a
   * task may go back there. A view, not a copy: a console started on a backlog of
   * timed-out tasks remembers tens of thousands (45k on the 1M seed), and copying them
   * every round was 4.6 s of the main thread in one bench run. Entries are kept in the
   * order they end (each lasts AVOID_AFTER_TIMEOUT_MS), so the ended ones are dropped
   * from the front, a round at a time.
   */
  avoiding(now: Date): AvoidView {
    const at = now.getTime();
    for (const [taskId, a] of this.avoid) {
      if (a.untilMs > at) break;
      this.avoid.delete(taskId);
    }
    const avoid = this.avoid;
    const session = (taskId: number): string | undefined => {
      const a = avoid.get(taskId);
      return a && a.untilMs > at ? a.session : undefined;
    };
    return {
      get size() {
        return avoid.size;
      },
      has: (taskId) => session(taskId) !== undefined,
      get: session,
    };
  }

  /** A plan's decisions: what to claim, and why the rest stayed queued. */
  sort(decisions: readonly RoutingDecision[], now: Date): SortedDecisions {
    const out: SortedDecisions = { claims: [], notes: [], dueMs: null };
    for (const d of decisions) {
      if (d.kind === 'queued') {
        out.notes.push(d);
        if (d.retryAfterSeconds !== null) out.dueMs = earliest(out.dueMs, now.getTime() + d.retryAfterSeconds * 1000);
      } else out.claims.push(d);
    }
    return out;
  }

  /** The notes whose cause changed since the last row written for their task, as decision rows; `written` once they are committed. */
  toWrite(notes: readonly QueuedNote[]): { records: DecisionRecord[]; written: () => void } {
    const news = notes.filter((n) => this.queuedNotes.get(n.taskId) !== n.cause);
    return {
      records: news.map((n): DecisionRecord => ({ kind: 'route', taskId: n.taskId, session: null, decision: 'queued', reason: n.reason })),
      written: () => {
        // Cancelled tasks never leave the map by being claimed; forgetting everything now
        // and then costs one repeated "queued" row per waiting task, not unbounded memory.
        for (const n of news) {
          if (this.queuedNotes.size >= MAX_REMEMBERED_NOTES) this.queuedNotes.clear();
          this.queuedNotes.set(n.taskId, n.cause);
        }
      },
    };
  }

  /** A claim committed: its queued cause and avoid are done with, and its wait is counted. */
  claimed(task: Pick<ClaimedTask, 'id' | 'createdAt'>, now: Date): void {
    this.queuedNotes.delete(task.id);
    this.avoid.delete(task.id);
    this.latency.observe((now.getTime() - Date.parse(fromSqlTime(task.createdAt))) / 1000);
  }

  /** A held task went back to the queue: after a timeout, it is kept from that session for a while. */
  gaveBack(taskId: number, session: string, cause: string, now: Date): void {
    if (cause !== 'timeout') return;
    // To the back: the map stays in the order its entries end (avoiding drops them from the front).
    this.avoid.delete(taskId);
    this.avoid.set(taskId, { session, untilMs: now.getTime() + AVOID_AFTER_TIMEOUT_MS });
  }
}
