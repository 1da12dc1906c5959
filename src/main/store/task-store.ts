// The task store behind one asynchronous interface, two engines (issue 17): SQLite
// (the default; synchronous underneath, wrapped here, so nothing it did gets slower)
// and PostgreSQL (postgres/task-store.ts, for several consoles and CLIs sharing one
// queue). The same statements in both dialects, the same guards, the same history
// rows (task_events, by trigger) and the same decision rows; the tests run one suite
// against both (test/integration/store/task-store.test.ts).
//
// A claim may carry a lease: the claiming console renews its leases while it runs,
// and expireLeases puts a task whose lease ran out (its console died) back in the
// queue, with a history row saying so. Claims without a lease behave as before.
import type Database from 'better-sqlite3';
import type { Task, TaskStatus } from '../../shared/api.js';
import type { PendingTask } from '../routing/types.js';
import type { Store } from './store.js';
import { HELD_SQL } from './status-sql.js';
import { TaskQueue, type ClaimedTask, type DecisionRecord, type HeldTask, type SendToResult } from './task-queue.js';
import { InvalidTaskError, type Dependency, type NewTask, type TaskEvent } from './tasks.js';
import { toSqlTime } from './time.js';

export interface TaskClaim {
  taskId: number;
  session: string;
  reason: string;
}

/** A claim's lease: who holds it (a console's name) and for how long without a renewal. */
export interface Lease {
  holder: string;
  ttlMs: number;
}

export interface RequeueRequest {
  reason: string;
  error: string | null;
  notBefore: Date | null;
  kind: DecisionRecord['kind'];
  routeTo?: string | null;
  /** false: the try is not counted (an SLA or workflow reassign, a rollback). */
  charge?: boolean;
}

/** A task whose lease ran out and that went back to the queue. */
export interface ExpiredClaim {
  taskId: number;
  session: string;
  holder: string;
}

export interface TaskListFilter {
  status?: TaskStatus;
  limit?: number;
  offset?: number;
}

/** What a new task is, as the store writes it (the caller settled its defaults). */
export interface NewTaskRecord extends NewTask {
  priority: number;
}

export interface TaskStore {
  readonly engine: 'sqlite' | 'postgres';
  /**
   * A new task: pending, or blocked while a task it depends on has not completed
   * (checked in the same transaction as the insert). A dependency that does not
   * exist is refused (InvalidTaskError) and nothing is written.
   */
  add(task: NewTaskRecord): Promise<Task>;
  get(id: number): Promise<Task | null>;
  list(filter?: TaskListFilter): Promise<{ tasks: Task[]; total: number }>;
  counts(): Promise<Record<TaskStatus, number>>;
  history(id: number): Promise<TaskEvent[]>;
  dependencies(id: number): Promise<Dependency[]>;
  cancel(id: number, reason: string): Promise<Task>;
  retry(id: number, reason: string): Promise<Task>;
  setPriority(id: number, priority: number): Promise<Task>;
  /** The head of the queue in the router's order (see TaskQueue.pendingTasks). */
  pendingTasks(limit: number, urgent?: readonly string[]): Promise<PendingTask[]>;
  heldTasks(): Promise<HeldTask[]>;
  /** Tasks each session holds now or completed since `since`, for least_loaded (see TaskQueue.recentLoad). */
  recentLoad(since: Date): Promise<Map<string, number>>;
  /**
   * A round's claims in one transaction with its decision notes; each claim is guarded
   * (still pending, and its session holds nothing). A claim another console won is
   * missing from the result. With a lease, each claim gets one.
   */
  claimMany(claims: readonly TaskClaim[], notes: readonly DecisionRecord[], now: Date, lease?: Lease): Promise<ClaimedTask[]>;
  start(taskId: number, session: string, reason: string, now: Date): Promise<boolean>;
  complete(taskId: number, session: string, reason: string, now: Date): Promise<boolean>;
  requeue(taskId: number, session: string, r: RequeueRequest, now: Date): Promise<boolean>;
  fail(taskId: number, session: string, r: { reason: string; error: string | null; kind: DecisionRecord['kind'] }, now: Date): Promise<boolean>;
  record(d: DecisionRecord, now: Date): Promise<void>;
  /**
   * Sends a task to one session by name (an SLA reassign, a workflow): taken back from
   * another session holding it (no try counted), then given only to `session`
   * (route_to); a pending task is queued for it. One transaction; says what it did.
   */
  sendTo(taskId: number, session: string, by: { kind: DecisionRecord['kind']; who: string }, now: Date): Promise<SendToResult>;
  /** The holder's leases on tasks it still holds, renewed until now + ttlMs; how many. */
  renewLeases(holder: string, ttlMs: number, now: Date): Promise<number>;
  /**
   * Takes over (as `holder`, until now + ttlMs) the leases of tasks in progress in these
   * sessions — sessions this console sees, so it will follow them to their end even if
   * the console that claimed them is gone. A task only assigned is not taken over: its
   * prompt may never have been typed, and its lease running out puts it back in the queue.
   */
  adoptLeases(holder: string, sessions: readonly string[], ttlMs: number, now: Date): Promise<number>;
  /** Held tasks whose lease ran out before `now`: back to the queue (no try counted), each with its history row. */
  expireLeases(now: Date): Promise<ExpiredClaim[]>;
  /** An operator's hold: blocks an open task with its reason (taken back from its session); null when it is not open. */
  hold(id: number, hold: string, reason: string): Promise<Task | null>;
  /** Clears the operator's hold (the status is the caller's next step); null when it was not held. */
  unhold(id: number, reason: string): Promise<Task | null>;
  /** blocked → pending, unless an operator holds it; null when nothing changed. */
  unblock(id: number, reason: string): Promise<Task | null>;
  /** Says why a blocked task still waits (no status change, so no history row). */
  setBlockedReason(id: number, reason: string): Promise<void>;
  /** Blocked tasks waiting on this one. */
  blockedDependants(id: number): Promise<number[]>;
  /** A task's status, null when it does not exist. */
  status(id: number): Promise<TaskStatus | null>;
  /** A task's metadata (an object; {} without). */
  metadata(id: number): Promise<Record<string, unknown>>;
  /** Replaces a task's metadata (its environment, a workflow's notes); no status change. */
  setMetadata(id: number, metadata: Record<string, unknown>, now: Date): Promise<void>;
  /** The held tasks whose metadata may name an environment (migration 014's partial index). */
  heldMetadataWithEnv(): Promise<Array<{ id: number; metadata: Record<string, unknown> }>>;
  /**
   * The unit of work: every write fn makes through `tx` commits together, or none does
   * (with its NOTIFY on PostgreSQL, delivered at commit). fn awaits only `tx`'s methods
   * and may run again on PostgreSQL (after a deadlock or serialization failure), so it
   * has no other side effects; a transaction inside one joins it.
   */
  transaction<T>(fn: (tx: TaskStore) => Promise<T>): Promise<T>;
}

/** The history row and decision of a task taken back from a console that stopped renewing its lease. */
export function leaseExpiredReason(holder: string, expiresAt: string): string {
  return `back to the queue: the console holding the claim (${holder}) stopped renewing its lease (expired ${expiresAt} UTC)`;
}

/** Why a task waits on others: the same words the task core uses. */
export function waitingOnReason(waiting: readonly Dependency[]): string {
  const ended = waiting.filter((d) => d.status === 'failed' || d.status === 'cancelled');
  const open = waiting.filter((d) => !ended.includes(d));
  const parts: string[] = [];
  for (const d of ended) {
    parts.push(`task ${d.id} ${d.status}${d.statusReason ? ` (${d.statusReason})` : ''}: blocked until it is retried and completes, or this task is cancelled`);
  }
  if (open.length) parts.push(`waiting on task${open.length === 1 ? '' : 's'} ${open.map((d) => d.id).join(', ')} to complete (depends_on)`);
  return `blocked: ${parts.join('; ')}`;
}

/**
 * SQLite behind the asynchronous interface: the repositories it always used, run
 * synchronously and handed back as settled promises (one console per file, so a
 * statement never waits for another process's lock for long).
 */
export class SqliteTaskStore implements TaskStore {
  readonly engine = 'sqlite' as const;
  readonly queue: TaskQueue;
  private readonly leaseInsert: Database.Statement;
  private readonly leaseRenew: Database.Statement;
  private readonly leaseExpired: Database.Statement;
  private readonly leaseDrop: Database.Statement;
  private readonly leaseStale: Database.Statement;
  private readonly leaseAdopt: Database.Statement;

  constructor(private readonly store: Store, queue?: TaskQueue) {
    this.queue = queue ?? new TaskQueue(store);
    const db = store.writer;
    this.leaseInsert = db.prepare('INSERT INTO task_leases(task_id, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(task_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at');
    this.leaseRenew = db.prepare(
      `UPDATE task_leases SET expires_at = ? WHERE holder = ? AND task_id IN (SELECT id FROM tasks WHERE status IN (${HELD_SQL}))`,
    );
    this.leaseExpired = db.prepare(
      `SELECT l.task_id AS taskId, t.assigned_to AS session, l.holder, l.expires_at AS expiresAt FROM task_leases l JOIN tasks t ON t.id = l.task_id
       WHERE l.expires_at < ? AND t.status IN (${HELD_SQL}) AND t.assigned_to IS NOT NULL ORDER BY l.task_id`,
    );
    this.leaseDrop = db.prepare('DELETE FROM task_leases WHERE task_id = ?');
    this.leaseAdopt = db.prepare(
      `UPDATE task_leases SET holder = ?, expires_at = ?
       WHERE task_id IN (SELECT id FROM tasks WHERE status = 'in_progress' AND assigned_to IN (SELECT value FROM json_each(?)))`,
    );
    this.leaseStale = db.prepare(`DELETE FROM task_leases WHERE task_id IN (SELECT id FROM tasks WHERE status NOT IN (${HELD_SQL}))`);
  }

  async add(task: NewTaskRecord): Promise<Task> {
    return this.store.transaction(() => {
      const waiting: Dependency[] = [];
      for (const id of task.dependsOn ?? []) {
        const on = this.store.tasks.get(id);
        if (!on) throw new InvalidTaskError(`depends_on: task ${id} does not exist`);
        if (on.status !== 'completed') waiting.push({ id, title: on.title, status: on.status, statusReason: on.statusReason });
      }
      return this.store.tasks.add({ ...task, blockedBecause: task.blockedBecause ?? (waiting.length ? waitingOnReason(waiting) : null) });
    });
  }

  async get(id: number): Promise<Task | null> {
    return this.store.tasks.get(id);
  }

  async list(filter: TaskListFilter = {}): Promise<{ tasks: Task[]; total: number }> {
    return this.store.tasks.list(filter);
  }

  async counts(): Promise<Record<TaskStatus, number>> {
    return this.store.tasks.counts();
  }

  async history(id: number): Promise<TaskEvent[]> {
    return this.store.tasks.history(id);
  }

  async dependencies(id: number): Promise<Dependency[]> {
    return this.store.tasks.dependencies(id);
  }

  async cancel(id: number, reason: string): Promise<Task> {
    return this.store.tasks.cancel(id, reason);
  }

  async retry(id: number, reason: string): Promise<Task> {
    return this.store.tasks.retry(id, reason);
  }

  async setPriority(id: number, priority: number): Promise<Task> {
    return this.store.tasks.setPriority(id, priority);
  }

  async pendingTasks(limit: number, urgent: readonly string[] = []): Promise<PendingTask[]> {
    return this.queue.pendingTasks(limit, urgent);
  }

  async heldTasks(): Promise<HeldTask[]> {
    return this.queue.heldTasks();
  }

  async recentLoad(since: Date): Promise<Map<string, number>> {
    return this.queue.recentLoad(since);
  }

  async claimMany(claims: readonly TaskClaim[], notes: readonly DecisionRecord[], now: Date, lease?: Lease): Promise<ClaimedTask[]> {
    if (!lease) return this.queue.claimMany(claims, notes, now);
    const until = toSqlTime(new Date(now.getTime() + lease.ttlMs));
    return this.store.transaction(() => {
      const claimed = this.queue.claimMany(claims, notes, now);
      for (const c of claimed) this.leaseInsert.run(c.id, lease.holder, until);
      return claimed;
    });
  }

  async start(taskId: number, session: string, reason: string, now: Date): Promise<boolean> {
    return this.queue.start(taskId, session, reason, now);
  }

  async complete(taskId: number, session: string, reason: string, now: Date): Promise<boolean> {
    return this.store.transaction(() => this.dropLeaseIf(this.queue.complete(taskId, session, reason, now), taskId));
  }

  async requeue(taskId: number, session: string, r: RequeueRequest, now: Date): Promise<boolean> {
    return this.store.transaction(() => this.dropLeaseIf(this.queue.requeue(taskId, session, r, now), taskId));
  }

  async fail(taskId: number, session: string, r: { reason: string; error: string | null; kind: DecisionRecord['kind'] }, now: Date): Promise<boolean> {
    return this.store.transaction(() => this.dropLeaseIf(this.queue.fail(taskId, session, r, now), taskId));
  }

  async record(d: DecisionRecord, now: Date): Promise<void> {
    this.queue.record(d, now);
  }

  async sendTo(taskId: number, session: string, by: { kind: DecisionRecord['kind']; who: string }, now: Date): Promise<SendToResult> {
    // Sent, the task is pending (taken back, or queued for the session): its claim's lease goes.
    return this.store.transaction(() => {
      const sent = this.queue.sendTo(taskId, session, by, now);
      if (sent.outcome === 'sent') this.leaseDrop.run(taskId);
      return sent;
    });
  }

  async renewLeases(holder: string, ttlMs: number, now: Date): Promise<number> {
    return this.leaseRenew.run(toSqlTime(new Date(now.getTime() + ttlMs)), holder).changes;
  }

  async adoptLeases(holder: string, sessions: readonly string[], ttlMs: number, now: Date): Promise<number> {
    if (sessions.length === 0) return 0;
    return this.leaseAdopt.run(holder, toSqlTime(new Date(now.getTime() + ttlMs)), JSON.stringify(sessions)).changes;
  }

  async expireLeases(now: Date): Promise<ExpiredClaim[]> {
    return this.store.transaction(() => {
      const expired: ExpiredClaim[] = [];
      const rows = this.leaseExpired.all(toSqlTime(now)) as Array<ExpiredClaim & { expiresAt: string }>;
      for (const row of rows) {
        const reason = leaseExpiredReason(row.holder, row.expiresAt);
        if (this.queue.requeue(row.taskId, row.session, { reason, error: null, notBefore: null, kind: 'lifecycle', charge: false }, now)) {
          expired.push({ taskId: row.taskId, session: row.session, holder: row.holder });
        }
        this.leaseDrop.run(row.taskId);
      }
      // Leases of tasks that finished some other way (an operator's cancel, a hold).
      this.leaseStale.run();
      return expired;
    });
  }

  async hold(id: number, hold: string, reason: string): Promise<Task | null> {
    return this.store.transaction(() => {
      const task = this.store.tasks.hold(id, hold, reason);
      if (task) this.leaseDrop.run(id);
      return task;
    });
  }

  async unhold(id: number, reason: string): Promise<Task | null> {
    return this.store.tasks.unhold(id, reason);
  }

  async unblock(id: number, reason: string): Promise<Task | null> {
    return this.store.tasks.unblock(id, reason);
  }

  async setBlockedReason(id: number, reason: string): Promise<void> {
    this.store.tasks.setBlockedReason(id, reason);
  }

  async blockedDependants(id: number): Promise<number[]> {
    return this.store.tasks.blockedDependants(id);
  }

  async status(id: number): Promise<TaskStatus | null> {
    return this.queue.status(id);
  }

  async metadata(id: number): Promise<Record<string, unknown>> {
    return this.queue.metadata(id);
  }

  async setMetadata(id: number, metadata: Record<string, unknown>, now: Date): Promise<void> {
    this.queue.setMetadata(id, metadata, now);
  }

  async heldMetadataWithEnv(): Promise<Array<{ id: number; metadata: Record<string, unknown> }>> {
    return this.queue.heldMetadataWithEnv();
  }

  /**
   * One SQLite transaction (BEGIN IMMEDIATE … COMMIT) around fn. Every method here runs
   * its statements synchronously and hands back a settled promise, so between fn's
   * awaits only microtasks run — no timer, I/O or other client's request — and fn's
   * statements are the transaction's. A transaction already open (an outer unit of
   * work, or a repository's) is joined.
   */
  async transaction<T>(fn: (tx: TaskStore) => Promise<T>): Promise<T> {
    const db = this.store.writer;
    if (db.inTransaction) return fn(this);
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(this);
      db.exec('COMMIT');
      return result;
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  private dropLeaseIf(changed: boolean, taskId: number): boolean {
    if (changed) this.leaseDrop.run(taskId);
    return changed;
  }
}
