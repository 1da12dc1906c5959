import path from 'node:path';
import type pg from 'pg';
import { TaskStatus, type Decision, type Task } from '../../../shared/api.js';
import { TASK_SORT_COLUMNS, type TaskListingFilter, type TaskSortColumn } from '../task-listing.js';
import { isHeldStatus, RETRYABLE_STATUSES } from '../../../shared/task-status.js';
import type { PendingTask } from '../../routing/types.js';
import { normaliseProjectPath } from '../projects.js';
import { HELD_SQL, OPEN_SQL, sqlList } from '../status-sql.js';
import type { ClaimedTask, DecisionRecord, HeldTask, SendToResult } from '../task-queue.js';
import {
  leaseExpiredReason,
  waitingOnReason,
  type ExpiredClaim,
  type Lease,
  type NewTaskRecord,
  type RequeueRequest,
  type TaskClaim,
  type TaskListFilter as StoreListFilter,
  type TaskStore,
} from '../task-store.js';
import { bindable, checkPriority, InvalidTaskError, TASK_FIELD_COLUMNS, TaskFinishedError, TaskNotFoundError, taskFromRow, type Dependency, type TaskEvent, type TaskFields, type TaskRow } from '../tasks.js';
import { PG_NOW, fromSqlTime, toSqlTime } from '../time.js';
import { TASK_CHANNEL } from './queue.js';

// The task store on PostgreSQL (issue 17): the statements of tasks.ts and
// task-queue.ts in PostgreSQL's dialect, for several consoles and CLIs sharing one
// queue. The history rows come from the same triggers (migration 001's PL/pgSQL), the
// decision rows from the same inserts.
//
// - A round of claims is one guarded UPDATE … FROM unnest(ids, sessions, reasons), its
//   decision rows and leases inserted by the same statement: a task is claimed only if
//   still pending (its row locked in id order; a second console's claim of the same
//   row waits for the first's commit, then finds it assigned and changes nothing), and
//   its session holds nothing — checked under per-session advisory locks, taken for
//   every session of the round in name order by the statement before, so two consoles
//   claiming for the same session run one after the other and the second sees the
//   first's claim. A round is 1 round trip however many tasks it claims (BEGIN, its
//   queued notes, the locks, the claim, which sends its own NOTIFY, and the COMMIT):
//   one simple query of several statements, its values written in as literals quoted
//   by pg's escapeLiteral (ids checked as integers).
// - Every change sends NOTIFY architect_tasks in its transaction (delivered at commit,
//   never for a rolled-back write): the other consoles LISTEN (postgres/queue.ts).
// - Deadlocks and serialization failures (two transactions moving the per-status
//   counters of task_counts in opposite orders) are retried, the whole transaction
//   again, a few times with a short random pause.

const HELD = `(${HELD_SQL})`;
const RETRYABLE_SQL = sqlList(RETRYABLE_STATUSES);
/** 40001 serialization_failure, 40P01 deadlock_detected: safe to run again. */
const RETRYABLE_CODES = new Set(['40001', '40P01']);
const MAX_TRIES = 8;
/** Tasks per INSERT of addMany (one statement's arrays, not one round trip per task). */
const ROWS_PER_INSERT = 1_000;
/** Changes per NOTIFY: a payload stays well under PostgreSQL's 8,000 bytes. */
const NOTICE_CHANGES = 200;

/** A task of a batch the store refused (addMany): which one, and why; nothing of the batch was added. */
export class RefusedTaskError extends InvalidTaskError {
  constructor(
    readonly index: number,
    readonly reason: InvalidTaskError,
  ) {
    super(reason.message);
    this.name = 'RefusedTaskError';
  }
}

type Client = pg.PoolClient;
type Notify = (change: { id: number; status: string }) => void;

interface ClaimedRow {
  id: number;
  type: string;
  prompt: string;
  metadata: string | null;
  attempts: number;
  createdAt: string;
  projectPath: string | null;
}

export class PostgresTaskStore implements TaskStore {
  readonly engine = 'postgres' as const;

  /** `bound`: this store is a unit of work's view, every statement on its transaction's connection. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly bound?: { client: Client; notify: Notify },
  ) {}

  /** Where a statement runs: the unit of work's connection, or any of the pool's. */
  private get db(): pg.Pool | Client {
    return this.bound?.client ?? this.pool;
  }

  /**
   * The unit of work (see TaskStore.transaction): fn's statements on one connection in
   * one transaction, their changes sent with one NOTIFY at commit; run again, whole,
   * after a deadlock or serialization failure.
   */
  async transaction<T>(fn: (tx: TaskStore) => Promise<T>): Promise<T> {
    if (this.bound) return fn(this);
    return this.tx((client, notify) => fn(new PostgresTaskStore(this.pool, { client, notify })));
  }

  /** Runs fn in one transaction, again after a deadlock or serialization failure (inside a unit of work: in its transaction). */
  private async tx<T>(fn: (client: Client, notify: Notify) => Promise<T>): Promise<T> {
    if (this.bound) return fn(this.bound.client, this.bound.notify);
    return this.retried(async (client) => {
      const changes: Array<{ id: number; status: string }> = [];
      await client.query('BEGIN');
      const result = await fn(client, (c) => changes.push(c));
      // One NOTIFY per transaction (delivered at commit); payload under PostgreSQL's 8,000
      // bytes. Sent with the COMMIT in one round trip (a simple query of several
      // statements, so the payload is quoted by pg's escapeLiteral, not bound).
      const notices: string[] = [];
      for (let i = 0; i < changes.length; i += NOTICE_CHANGES) {
        notices.push(`SELECT pg_notify('${TASK_CHANNEL}', ${client.escapeLiteral(JSON.stringify(changes.slice(i, i + NOTICE_CHANGES)))});`);
      }
      await client.query(`${notices.join(' ')} COMMIT`);
      return result;
    });
  }

  /**
   * fn on a connection of its own, which opens and commits its transaction itself; rolled
   * back on failure, and run again, whole, after a deadlock or serialization failure.
   */
  private async retried<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        return await fn(client);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE_CODES.has(code) && attempt < MAX_TRIES) {
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
          continue;
        }
        throw err;
      } finally {
        client.release();
      }
    }
  }

  async add(task: NewTaskRecord): Promise<Task> {
    try {
      return (await this.addMany([task]))[0]!;
    } catch (err) {
      throw err instanceof RefusedTaskError ? err.reason : err;
    }
  }

  /**
   * Tasks added in one transaction, all or none (`tasks.createMany`, `tasks add --from`):
   * a multi-row INSERT per ROWS_PER_INSERT tasks, their dependencies checked (FOR SHARE)
   * and inserted a statement each too, and one commit with its NOTIFY. A task the store
   * refuses (no type or title, a bad priority, a dependency that does not exist) throws
   * RefusedTaskError naming its index; nothing is added.
   */
  async addMany(tasks: readonly NewTaskRecord[]): Promise<Task[]> {
    const items = tasks.map((task, i) => {
      try {
        const type = task.type.trim();
        const title = task.title.trim();
        if (!type) throw new InvalidTaskError('a task needs a type');
        if (!title) throw new InvalidTaskError('a task needs a title');
        return {
          type,
          title,
          prompt: task.prompt ?? '',
          priority: checkPriority(task.priority),
          projectId: task.projectId ?? null,
          metadata: task.metadata ? JSON.stringify(task.metadata) : null,
          dependsOn: [...new Set(task.dependsOn ?? [])],
          blockedBecause: task.blockedBecause ?? null,
        };
      } catch (err) {
        throw err instanceof InvalidTaskError ? new RefusedTaskError(i, err) : err;
      }
    });
    if (items.length === 0) return [];
    return this.tx(async (client, notify) => {
      const out: Task[] = [];
      for (let first = 0; first < items.length; first += ROWS_PER_INSERT) {
        const chunk = items.slice(first, first + ROWS_PER_INSERT);
        // FOR SHARE: a task they wait on cannot finish unseen between this read and the insert.
        const ids = [...new Set(chunk.flatMap((t) => t.dependsOn))].sort((a, b) => a - b);
        const found = new Map<number, Dependency>();
        if (ids.length) {
          const rows = (await client.query<Dependency>(
            'SELECT id, title, status, status_reason AS "statusReason" FROM tasks WHERE id = ANY($1::bigint[]) ORDER BY id FOR SHARE',
            [ids],
          )).rows;
          for (const on of rows) found.set(on.id, on);
        }
        const rows = chunk.map((t, j) => {
          const waiting: Dependency[] = [];
          for (const id of t.dependsOn) {
            const on = found.get(id);
            if (!on) throw new RefusedTaskError(first + j, new InvalidTaskError(`depends_on: task ${id} does not exist`));
            if (on.status !== 'completed') waiting.push(on);
          }
          const blocked = t.blockedBecause ?? (waiting.length ? waitingOnReason(waiting) : null);
          return { ...t, status: blocked ? 'blocked' : 'pending', reason: blocked };
        });
        // Ids are given in the batch's order (the rows sorted by their place in it).
        const inserted = (await client.query<TaskRow>(
          `INSERT INTO tasks(type, title, prompt, priority, project_id, metadata, status, status_reason)
           SELECT type, title, prompt, priority, project_id, metadata, status, status_reason
           FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::text[], $8::text[])
             WITH ORDINALITY AS b(type, title, prompt, priority, project_id, metadata, status, status_reason, n)
           ORDER BY n
           RETURNING *`,
          [
            rows.map((r) => r.type),
            rows.map((r) => r.title),
            rows.map((r) => r.prompt),
            rows.map((r) => r.priority),
            rows.map((r) => r.projectId),
            rows.map((r) => r.metadata),
            rows.map((r) => r.status),
            rows.map((r) => r.reason),
          ],
        )).rows.sort((a, b) => a.id - b.id);
        const edges = rows.flatMap((r, j) => r.dependsOn.map((on) => [inserted[j]!.id, on] as const));
        if (edges.length) {
          await client.query('INSERT INTO task_dependencies(task_id, depends_on) SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING', [
            edges.map((e) => e[0]),
            edges.map((e) => e[1]),
          ]);
        }
        for (const row of inserted) {
          notify({ id: row.id, status: row.status });
          out.push(taskFromRow(row));
        }
      }
      return out;
    });
  }

  /**
   * What an operator types for a project — an id, a name or a folder — as a project id
   * in the shared database; a folder not known there yet becomes a project (named after
   * it), as on SQLite. Anything else is refused, naming the projects there are.
   */
  async projectId(ref: string | number, folderExists: (abs: string) => boolean): Promise<number> {
    const text = String(ref);
    const found = /^\d+$/.test(text)
      ? (await this.db.query<{ id: number }>('SELECT id FROM projects WHERE id = $1', [Number(text)])).rows[0]
      : ((await this.db.query<{ id: number }>('SELECT id FROM projects WHERE name = $1 ORDER BY id LIMIT 1', [text])).rows[0] ??
        (await this.db.query<{ id: number }>('SELECT id FROM projects WHERE path = $1', [normaliseProjectPath(text)])).rows[0]);
    if (found) return found.id;
    if (/^\d+$/.test(text)) throw new InvalidTaskError(`project ${text} does not exist`);
    const where = normaliseProjectPath(text);
    if (folderExists(where)) {
      await this.db.query('INSERT INTO projects(name, path) VALUES ($1, $2) ON CONFLICT (path) DO NOTHING', [path.basename(where), where]);
      return (await this.db.query<{ id: number }>('SELECT id FROM projects WHERE path = $1', [where])).rows[0]!.id;
    }
    const known = (await this.db.query<{ name: string }>('SELECT name FROM projects ORDER BY name')).rows.map((r) => r.name);
    throw new InvalidTaskError(`no project "${text}" and no such folder (known: ${known.join(', ') || 'none'}; give a folder path to add one)`);
  }

  async get(id: number): Promise<Task | null> {
    const row = (await this.db.query<TaskRow>('SELECT * FROM tasks WHERE id = $1', [id])).rows[0];
    return row ? taskFromRow(row) : null;
  }

  async list(filter: StoreListFilter = {}): Promise<{ tasks: Task[]; total: number }> {
    const limit = filter.limit ?? 100;
    const offset = filter.offset ?? 0;
    const rows = filter.status
      ? (await this.db.query<TaskRow>('SELECT * FROM tasks WHERE status = $1 ORDER BY priority DESC, created_at ASC, id ASC LIMIT $2 OFFSET $3', [filter.status, limit, offset])).rows
      : (await this.db.query<TaskRow>('SELECT * FROM tasks ORDER BY priority DESC, created_at ASC, id ASC LIMIT $1 OFFSET $2', [limit, offset])).rows;
    const counts = await this.counts();
    const total = filter.status ? counts[filter.status] : Object.values(counts).reduce((a, b) => a + b, 0);
    return { tasks: rows.map(taskFromRow), total };
  }

  /** The console's task table on the shared queue: filtered, sorted and paged as TaskListing does on SQLite. */
  async page(filter: TaskListingFilter): Promise<{ tasks: Task[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.type) where.push(`type = $${params.push(filter.type)}`);
    const search = filter.search?.trim();
    if (search) {
      const asId = /^#?\d+$/.test(search) ? Number(search.replace('#', '')) : null;
      const like = `$${params.push(`%${search.replace(/[\\%_]/g, (c) => '\\' + c)}%`)}`;
      where.push(`(title LIKE ${like} OR prompt LIKE ${like}${asId !== null ? ` OR id = $${params.push(asId)}` : ''})`);
    }
    const field: TaskSortColumn = filter.sort && TASK_SORT_COLUMNS.includes(filter.sort.field) ? filter.sort.field : 'id';
    const order = filter.sort?.order === 'asc' ? 'ASC' : 'DESC';
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const tiebreak = field === 'id' ? '' : `, id ${order}`;
    const rows = (await this.db.query<TaskRow>(
      `SELECT * FROM tasks ${whereSql} ORDER BY ${field} ${order}${tiebreak} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    )).rows;
    let total: number;
    if (!filter.type && !search) {
      const counts = await this.counts();
      total = filter.status ? counts[filter.status] : Object.values(counts).reduce((a, b) => a + b, 0);
    } else {
      total = (await this.db.query<{ n: number }>(`SELECT count(*) AS n FROM tasks ${whereSql}`, params)).rows[0]!.n;
    }
    return { tasks: rows.map(taskFromRow), total };
  }

  /** The decision trail of one task, oldest first. */
  async decisionsFor(taskId: number): Promise<Decision[]> {
    return (await this.db.query<Decision>(
      'SELECT id, at, kind, task_id AS "taskId", session_id AS "sessionId", decision, reason FROM decisions WHERE task_id = $1 ORDER BY id',
      [taskId],
    )).rows;
  }

  async counts(): Promise<Record<TaskStatus, number>> {
    const counts = Object.fromEntries(TaskStatus.options.map((s) => [s, 0])) as Record<TaskStatus, number>;
    for (const { status, n } of (await this.db.query<{ status: TaskStatus; n: number }>('SELECT status, n FROM task_counts')).rows) counts[status] = n;
    return counts;
  }

  async history(id: number): Promise<TaskEvent[]> {
    const task = await this.get(id);
    if (!task) throw new TaskNotFoundError(id);
    const changes = (await this.db.query<TaskEvent>(
      'SELECT at, from_status AS "fromStatus", to_status AS "toStatus", reason FROM task_events WHERE task_id = $1 ORDER BY id',
      [id],
    )).rows.map((e) => ({ ...e, at: fromSqlTime(e.at) }));
    const createdAs = changes[0]?.fromStatus ?? task.status;
    return [{ at: task.createdAt, fromStatus: null, toStatus: createdAs, reason: 'created' }, ...changes];
  }

  async dependencies(id: number): Promise<Dependency[]> {
    return (await this.db.query<Dependency>(
      `SELECT t.id, t.title, t.status, t.status_reason AS "statusReason" FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on
       WHERE d.task_id = $1 ORDER BY t.id`,
      [id],
    )).rows;
  }

  async cancel(id: number, reason: string): Promise<Task> {
    return this.tx(async (client, notify) => {
      const row = (await client.query<TaskRow>(
        `UPDATE tasks SET status = 'cancelled', status_reason = $2, completed_at = ${PG_NOW}, updated_at = ${PG_NOW}
         WHERE id = $1 AND status IN (${OPEN_SQL}) RETURNING *`,
        [id, reason],
      )).rows[0];
      if (row) {
        await client.query('DELETE FROM task_leases WHERE task_id = $1', [id]);
        notify({ id, status: row.status });
        return taskFromRow(row);
      }
      const current = (await client.query<{ status: TaskStatus }>('SELECT status FROM tasks WHERE id = $1', [id])).rows[0];
      if (!current) throw new TaskNotFoundError(id);
      throw new TaskFinishedError(id, current.status);
    });
  }

  async retry(id: number, reason: string): Promise<Task> {
    return this.tx(async (client, notify) => {
      const row = (await client.query<TaskRow>(
        `UPDATE tasks SET status = 'pending', status_reason = $2, assigned_to = NULL, assigned_at = NULL, started_at = NULL,
           completed_at = NULL, not_before = NULL, hold_reason = NULL, attempts = 0, last_error = NULL, updated_at = ${PG_NOW}
         WHERE id = $1 AND status IN (${RETRYABLE_SQL}) RETURNING *`,
        [id, reason],
      )).rows[0];
      if (row) {
        notify({ id, status: row.status });
        return taskFromRow(row);
      }
      const current = (await client.query<{ status: TaskStatus }>('SELECT status FROM tasks WHERE id = $1', [id])).rows[0];
      if (!current) throw new TaskNotFoundError(id);
      throw new InvalidTaskError(`task ${id} is ${current.status}; only ${RETRYABLE_STATUSES.join(', ')} tasks can be retried`);
    });
  }

  async setPriority(id: number, priority: number): Promise<Task> {
    const p = checkPriority(priority);
    return this.tx(async (client, notify) => {
      const row = (await client.query<TaskRow>(`UPDATE tasks SET priority = $1, updated_at = ${PG_NOW} WHERE id = $2 RETURNING *`, [p, id])).rows[0];
      if (!row) throw new TaskNotFoundError(id);
      notify({ id, status: row.status });
      return taskFromRow(row);
    });
  }

  async pendingTasks(limit: number, urgent: readonly string[] = []): Promise<PendingTask[]> {
    const cols = 'id, type, priority, created_at AS "createdAt", not_before AS "notBefore", route_to AS "routeTo", urgent';
    const order = 'ORDER BY priority DESC, created_at, id';
    type Row = { id: number; type: string; priority: number; createdAt: string; notBefore: string | null; routeTo: string | null; urgent: number; part: number };
    // As TaskQueue.pendingTasks: tasks marked urgent first (part 0), then the urgent
    // types' heads (part 1…, in their order), then the rest (the last part) — each head
    // read through its own index, all in one statement (one round trip a round). Each
    // urgent type's head is a query of its own with the type a parameter of its own: as
    // one LATERAL over unnest(types) the planner knew no type, walked
    // idx_tasks_pending_priority filtering on it, and for a type with nothing pending read
    // every pending task (5,100 rows, 1.2 of the head's 1.5 ms on the PostgreSQL bench).
    const params: unknown[] = [limit, urgent.length + 1];
    const rest = urgent.length === 0 ? '' : `AND NOT (type = ANY($${params.push([...urgent])}::text[]))`;
    const heads = urgent
      .map((type, i) => `UNION ALL (SELECT ${cols}, ${i + 1} AS part FROM tasks WHERE status = 'pending' AND type = $${params.push(type)} ${order} LIMIT $1)`)
      .join('\n       ');
    const rows = (await this.pool.query<Row>(
      `(SELECT ${cols}, 0 AS part FROM tasks WHERE status = 'pending' AND urgent = 1 ${order} LIMIT $1)
       ${heads}
       UNION ALL
       (SELECT ${cols}, $2::int AS part FROM tasks WHERE status = 'pending' ${rest} ${order} LIMIT $1)
       ORDER BY part, priority DESC, "createdAt", id`,
      params,
    )).rows;
    const part = (n: number): Row[] => rows.filter((r) => r.part === n);
    let head = part(0);
    const unmarked = head.length ? (r: Row) => r.urgent !== 1 : () => true;
    if (head.length < limit) {
      if (urgent.length === 0) head = head.concat(part(1).filter(unmarked)).slice(0, limit);
      else {
        for (let n = 1; n <= urgent.length; n++) head.push(...part(n).filter(unmarked));
        // Urgent ones beyond `limit` would rank before every other task: take no others then.
        if (head.length < limit) head.push(...part(urgent.length + 1).filter(unmarked).slice(0, limit - head.length));
      }
    }
    return head.map((r) => ({
      id: r.id,
      type: r.type,
      priority: r.priority,
      createdAt: fromSqlTime(r.createdAt),
      notBefore: r.notBefore ? fromSqlTime(r.notBefore) : null,
      routeTo: r.routeTo,
      ...(r.urgent === 1 ? { urgent: true } : {}),
    }));
  }

  async heldTasks(): Promise<HeldTask[]> {
    return (await this.pool.query<HeldTask>(
      `SELECT id, type, status, assigned_to AS session, assigned_at AS "assignedAt", started_at AS "startedAt", attempts
       FROM tasks WHERE status IN ${HELD} AND assigned_to IS NOT NULL ORDER BY id`,
    )).rows;
  }

  /** Open tasks by status and type (/metrics' architect_open_tasks, as one-off-reads.ts reads them on SQLite). */
  async openCountsByStatusAndType(): Promise<Array<{ status: string; type: string; n: number }>> {
    return (await this.pool.query<{ status: string; type: string; n: number }>(
      `SELECT status, type, count(*)::int AS n FROM tasks WHERE status IN (${OPEN_SQL}) GROUP BY status, type ORDER BY status, type`,
    )).rows;
  }

  async recentLoad(since: Date): Promise<Map<string, number>> {
    // As TaskQueue.recentLoad: held tasks, and those completed since (migration 011's partial index).
    const rows = (await this.pool.query<{ session: string; n: number }>(
      `SELECT session, count(*)::int AS n FROM (
         SELECT assigned_to AS session FROM tasks WHERE status IN ${HELD} AND assigned_to IS NOT NULL
         UNION ALL
         SELECT assigned_to FROM tasks WHERE status = 'completed' AND completed_at >= $1 AND assigned_to IS NOT NULL
       ) s GROUP BY session`,
      [toSqlTime(since)],
    )).rows;
    return new Map(rows.map((r) => [r.session, r.n]));
  }

  async claimMany(claims: readonly TaskClaim[], notes: readonly DecisionRecord[], now: Date, lease?: Lease): Promise<ClaimedTask[]> {
    if (claims.length === 0 && notes.length === 0) return [];
    const at = toSqlTime(now);
    const round = claimsOfRound(claims);
    // Queued notes alone: one statement, its own transaction.
    if (round.length === 0) {
      await this.insertDecisions(this.db, at, notes);
      return [];
    }
    // One round trip (a simple query of several statements, so its values are literals
    // quoted by pg, not bound): BEGIN, the round's queued notes, every session's lock,
    // the claim statement, which sends its own NOTIFY, and the COMMIT. The locks are a
    // statement before the claim's, so the claim's snapshot, taken after them, sees every
    // claim for these sessions committed before.
    const rows = this.bound
      ? await this.claimIn(this.bound.client, round, notes, at, lease, now, false)
      : await this.retried((client) => this.claimIn(client, round, notes, at, lease, now, true));
    // Back in the round's order, as SQLite gives them.
    const order = new Map(claims.map((c, i) => [c.taskId, i] as const).reverse());
    return rows
      .map((row) => ({ id: row.id, type: row.type, prompt: row.prompt, attempts: row.attempts, createdAt: row.createdAt, metadata: parseMetadata(row.metadata), projectPath: row.projectPath }))
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  async start(taskId: number, session: string, reason: string, now: Date): Promise<boolean> {
    return this.step(
      `UPDATE tasks SET status = 'in_progress', started_at = $3, updated_at = $3, status_reason = $4
       WHERE id = $1 AND status = 'assigned' AND assigned_to = $2`,
      taskId, session, reason, now, 'in_progress', false,
    );
  }

  async complete(taskId: number, session: string, reason: string, now: Date): Promise<boolean> {
    return this.step(
      `UPDATE tasks SET status = 'completed', completed_at = $3, updated_at = $3, status_reason = $4
       WHERE id = $1 AND status IN ${HELD} AND assigned_to = $2`,
      taskId, session, reason, now, 'completed', true,
    );
  }

  async requeue(taskId: number, session: string, r: RequeueRequest, now: Date): Promise<boolean> {
    return this.tx(async (client, notify) => this.requeueIn(client, notify, taskId, session, r, now));
  }

  async fail(taskId: number, session: string, r: { reason: string; error: string | null; kind: DecisionRecord['kind'] }, now: Date): Promise<boolean> {
    const at = toSqlTime(now);
    return this.tx(async (client, notify) => {
      const changed = (await client.query(
        `UPDATE tasks SET status = 'failed', updated_at = $3, completed_at = $3, status_reason = $4, last_error = $5,
           attempts = attempts + 1, not_before = NULL, route_to = NULL
         WHERE id = $1 AND status IN ${HELD} AND assigned_to = $2`,
        [taskId, session, at, r.reason, r.error],
      )).rowCount === 1;
      if (changed) {
        await this.insertDecision(client, at, { kind: r.kind, taskId, session, decision: 'failed', reason: r.reason });
        await client.query('DELETE FROM task_leases WHERE task_id = $1', [taskId]);
        notify({ id: taskId, status: 'failed' });
      }
      return changed;
    });
  }

  async record(d: DecisionRecord, now: Date): Promise<void> {
    await this.insertDecision(this.db, toSqlTime(now), d);
  }

  /** As TaskQueue.sendTo, the same words and rows: the task's row locked first, so two consoles sending it run one after the other. */
  async sendTo(taskId: number, session: string, by: { kind: DecisionRecord['kind']; who: string }, now: Date): Promise<SendToResult> {
    return this.tx(async (client, notify) => {
      const row = (await client.query<{ status: TaskStatus; holder: string | null }>('SELECT status, assigned_to AS holder FROM tasks WHERE id = $1 FOR UPDATE', [taskId])).rows[0];
      if (!row) return { outcome: 'refused', reason: `task ${taskId} does not exist` };
      const holder = isHeldStatus(row.status) ? row.holder : null;
      if (holder === session) return { outcome: 'already', reason: `already with ${session}` };
      if (holder !== null) {
        const reason = `back to the queue: ${by.who} sent it to ${session}, taken from ${holder}`;
        await this.requeueIn(client, notify, taskId, holder, { reason, error: null, notBefore: null, kind: by.kind, routeTo: session, charge: false }, now);
        return { outcome: 'sent', reason };
      }
      if (row.status !== 'pending') return { outcome: 'refused', reason: `the task is ${row.status}` };
      const reason = `queued for ${session}: ${by.who} sent it there`;
      const at = toSqlTime(now);
      await client.query(`UPDATE tasks SET route_to = $2, updated_at = $3 WHERE id = $1 AND status = 'pending'`, [taskId, session, at]);
      await this.insertDecision(client, at, { kind: by.kind, taskId, session, decision: 'route_to', reason });
      notify({ id: taskId, status: 'pending' });
      return { outcome: 'sent', reason };
    });
  }

  async renewLeases(holder: string, ttlMs: number, now: Date): Promise<number> {
    const res = await this.pool.query(
      `UPDATE task_leases SET expires_at = $1 WHERE holder = $2 AND task_id IN (SELECT id FROM tasks WHERE status IN ${HELD})`,
      [toSqlTime(new Date(now.getTime() + ttlMs)), holder],
    );
    return res.rowCount ?? 0;
  }

  async adoptLeases(holder: string, sessions: readonly string[], ttlMs: number, now: Date): Promise<number> {
    if (sessions.length === 0) return 0;
    const res = await this.pool.query(
      `UPDATE task_leases SET holder = $1, expires_at = $2
       WHERE task_id IN (SELECT id FROM tasks WHERE status = 'in_progress' AND assigned_to = ANY($3::text[]))`,
      [holder, toSqlTime(new Date(now.getTime() + ttlMs)), [...sessions]],
    );
    return res.rowCount ?? 0;
  }

  async expireLeases(now: Date): Promise<ExpiredClaim[]> {
    return this.tx(async (client, notify) => {
      // SKIP LOCKED: a task another console is changing right now is left for the next look.
      const rows = (await client.query<ExpiredClaim & { expiresAt: string }>(
        `SELECT l.task_id AS "taskId", t.assigned_to AS session, l.holder, l.expires_at AS "expiresAt"
         FROM task_leases l JOIN tasks t ON t.id = l.task_id
         WHERE l.expires_at < $1 AND t.status IN ${HELD} AND t.assigned_to IS NOT NULL
         ORDER BY l.task_id FOR UPDATE OF t, l SKIP LOCKED`,
        [toSqlTime(now)],
      )).rows;
      const expired: ExpiredClaim[] = [];
      for (const row of rows) {
        const reason = leaseExpiredReason(row.holder, row.expiresAt);
        if (await this.requeueIn(client, notify, row.taskId, row.session, { reason, error: null, notBefore: null, kind: 'lifecycle', charge: false }, now)) {
          expired.push({ taskId: row.taskId, session: row.session, holder: row.holder });
        }
      }
      await client.query(`DELETE FROM task_leases WHERE task_id IN (SELECT id FROM tasks WHERE status NOT IN ${HELD})`);
      return expired;
    });
  }

  async hold(id: number, hold: string, reason: string): Promise<Task | null> {
    return this.tx(async (client, notify) => {
      const row = (await client.query<TaskRow>(
        `UPDATE tasks SET status = 'blocked', hold_reason = $2, status_reason = $3, assigned_at = NULL, started_at = NULL,
           route_to = NULL, updated_at = ${PG_NOW}
         WHERE id = $1 AND status IN (${OPEN_SQL}) RETURNING *`,
        [id, hold, reason],
      )).rows[0];
      if (!row) return null;
      await client.query('DELETE FROM task_leases WHERE task_id = $1', [id]);
      notify({ id, status: row.status });
      return taskFromRow(row);
    });
  }

  async unhold(id: number, reason: string): Promise<Task | null> {
    return this.tx(async (client, notify) => {
      const row = (await client.query<TaskRow>(
        `UPDATE tasks SET hold_reason = NULL, status_reason = $2, updated_at = ${PG_NOW} WHERE id = $1 AND hold_reason IS NOT NULL RETURNING *`,
        [id, reason],
      )).rows[0];
      if (!row) return null;
      notify({ id, status: row.status });
      return taskFromRow(row);
    });
  }

  async unblock(id: number, reason: string): Promise<Task | null> {
    return this.tx(async (client, notify) => {
      const row = (await client.query<TaskRow>(
        `UPDATE tasks SET status = 'pending', status_reason = $2, not_before = NULL, updated_at = ${PG_NOW}
         WHERE id = $1 AND status = 'blocked' AND hold_reason IS NULL RETURNING *`,
        [id, reason],
      )).rows[0];
      if (!row) return null;
      notify({ id, status: row.status });
      return taskFromRow(row);
    });
  }

  async setBlockedReason(id: number, reason: string): Promise<void> {
    await this.db.query(`UPDATE tasks SET status_reason = $2, updated_at = ${PG_NOW} WHERE id = $1 AND status = 'blocked'`, [id, reason]);
  }

  async blockedDependants(id: number): Promise<number[]> {
    return (await this.db.query<{ id: number }>(
      `SELECT d.task_id AS id FROM task_dependencies d JOIN tasks t ON t.id = d.task_id WHERE d.depends_on = $1 AND t.status = 'blocked' ORDER BY d.task_id`,
      [id],
    )).rows.map((r) => r.id);
  }

  async status(id: number): Promise<TaskStatus | null> {
    return (await this.db.query<{ status: TaskStatus }>('SELECT status FROM tasks WHERE id = $1', [id])).rows[0]?.status ?? null;
  }

  async metadata(id: number): Promise<Record<string, unknown>> {
    return parseMetadata((await this.db.query<{ metadata: string | null }>('SELECT metadata FROM tasks WHERE id = $1', [id])).rows[0]?.metadata ?? null);
  }

  async setMetadata(id: number, metadata: Record<string, unknown>, now: Date): Promise<void> {
    await this.db.query('UPDATE tasks SET metadata = $2, updated_at = $3 WHERE id = $1', [id, JSON.stringify(metadata), toSqlTime(now)]);
  }

  async heldMetadataWithEnv(): Promise<Array<{ id: number; metadata: Record<string, unknown> }>> {
    // Migration 014's idx_tasks_held_env: the same predicate, so the planner can use it.
    const rows = (await this.db.query<{ id: number; metadata: string | null }>(
      `SELECT id, metadata FROM tasks WHERE status IN ('assigned', 'in_progress') AND strpos(metadata, '"env"') > 0 ORDER BY id`,
    )).rows;
    return rows.map((r) => ({ id: r.id, metadata: parseMetadata(r.metadata) }));
  }

  // ------------------------------------------------------------ a workflow's task writes (workflows/shared-tasks.ts)

  /** The raw columns of a task (a workflow step's view of it), or null. */
  async fields(id: number): Promise<(Record<string, unknown> & { id: number; status: TaskStatus }) | null> {
    return (await this.db.query<Record<string, unknown> & { id: number; status: TaskStatus }>('SELECT * FROM tasks WHERE id = $1', [id])).rows[0] ?? null;
  }

  /**
   * The ids of the tasks whose columns equal these values (`IS NOT DISTINCT FROM`, as
   * SQLite's `IS`), in id order, locked for the caller's unit of work. The column names
   * were checked against the writable ones by the caller (workflow-writes.ts whereOf).
   */
  async idsWhere(where: Record<string, unknown>): Promise<number[]> {
    const keys = Object.keys(where);
    const sql = keys.map((k, i) => `"${k}" IS NOT DISTINCT FROM $${i + 1}`).join(' AND ');
    return (await this.db.query<{ id: number }>(`SELECT id FROM tasks WHERE ${sql} ORDER BY id FOR UPDATE`, keys.map((k) => bindable(where[k])))).rows.map((r) => r.id);
  }

  /** As TaskRepository.writeFields: named columns of one task; `reason` goes to the history row a status change leaves. */
  async writeFields(id: number, fields: TaskFields, reason: string): Promise<void> {
    const names = Object.keys(fields);
    for (const name of names) {
      if (!(TASK_FIELD_COLUMNS as readonly string[]).includes(name)) throw new InvalidTaskError(`tasks has no writable column "${name}" (allowed: ${TASK_FIELD_COLUMNS.join(', ')})`);
    }
    if (names.length === 0) return;
    if (fields.priority !== undefined && fields.priority !== null) checkPriority(Number(fields.priority));
    const values = names.map((n) => bindable((fields as Record<string, unknown>)[n]));
    await this.tx(async (client, notify) => {
      const row = (await client.query<{ status: string }>(
        `UPDATE tasks SET ${names.map((n, i) => `"${n}" = $${i + 3}`).join(', ')}, status_reason = $2, updated_at = ${PG_NOW} WHERE id = $1 RETURNING status`,
        [id, reason, ...values],
      )).rows[0];
      if (row) notify({ id, status: row.status });
    });
  }

  /** Ahead of the queue (as TaskQueue.markUrgent, with its decision row): false when it is finished, gone or urgent already. */
  async markUrgent(id: number, who: string, now: Date): Promise<boolean> {
    const at = toSqlTime(now);
    return this.tx(async (client, notify) => {
      const row = (await client.query<{ status: string }>(`UPDATE tasks SET urgent = 1, updated_at = $2 WHERE id = $1 AND urgent = 0 AND status IN (${OPEN_SQL}) RETURNING status`, [id, at])).rows[0];
      if (!row) return false;
      await this.insertDecision(client, at, { kind: 'route', taskId: id, session: null, decision: 'urgent', reason: `routed ahead of the queue (urgent, by ${who})` });
      notify({ id, status: row.status });
      return true;
    });
  }

  /** The output a workflow task write committed under this once-key, or undefined when none did. */
  async onceOutput(key: string): Promise<unknown> {
    const row = (await this.db.query<{ output: string }>('SELECT output FROM workflow_task_writes WHERE once_key = $1', [key])).rows[0];
    return row ? (JSON.parse(row.output) as unknown) : undefined;
  }

  /** Records a workflow task write's once-key with its output (in the write's unit of work). */
  async keepOnce(key: string, output: unknown): Promise<void> {
    await this.db.query('INSERT INTO workflow_task_writes(once_key, output) VALUES ($1, $2)', [key, JSON.stringify(output)]);
  }

  private async requeueIn(client: Client, notify: Notify, taskId: number, session: string, r: RequeueRequest, now: Date): Promise<boolean> {
    const at = toSqlTime(now);
    const changed = (await client.query(
      `UPDATE tasks SET status = 'pending', updated_at = $3, status_reason = $4, last_error = coalesce($5, last_error),
         attempts = attempts + $6, not_before = $7, assigned_at = NULL, started_at = NULL, route_to = $8
       WHERE id = $1 AND status IN ${HELD} AND assigned_to = $2`,
      [taskId, session, at, r.reason, r.error, r.charge === false ? 0 : 1, r.notBefore ? toSqlTime(r.notBefore) : null, r.routeTo ?? null],
    )).rowCount === 1;
    if (changed) {
      await this.insertDecision(client, at, { kind: r.kind, taskId, session, decision: 'requeued', reason: r.reason });
      await client.query('DELETE FROM task_leases WHERE task_id = $1', [taskId]);
      notify({ id: taskId, status: 'pending' });
    }
    return changed;
  }

  private async step(sql: string, taskId: number, session: string, reason: string, now: Date, decision: string, dropLease: boolean): Promise<boolean> {
    const at = toSqlTime(now);
    return this.tx(async (client, notify) => {
      const changed = (await client.query(sql, [taskId, session, at, reason])).rowCount === 1;
      if (changed) {
        await this.insertDecision(client, at, { kind: 'lifecycle', taskId, session, decision, reason });
        if (dropLease) await client.query('DELETE FROM task_leases WHERE task_id = $1', [taskId]);
        notify({ id: taskId, status: decision });
      }
      return changed;
    });
  }

  /** A round's claims on client (claimMany): in a transaction of their own (`own`), or in the caller's. */
  private async claimIn(client: Client, round: readonly TaskClaim[], notes: readonly DecisionRecord[], at: string, lease: Lease | undefined, now: Date, own: boolean): Promise<ClaimedRow[]> {
    const lit = (v: string | null): string => (v === null ? 'NULL' : client.escapeLiteral(v));
    const ids = (vs: ReadonlyArray<number | null>): string => `ARRAY[${vs.map((v) => (v === null ? 'NULL' : String(checkedId(v)))).join(', ')}]::bigint[]`;
    const texts = (vs: ReadonlyArray<string | null>): string => `ARRAY[${vs.map(lit).join(', ')}]::text[]`;
    const queued = notes.length === 0 ? '' :
      `INSERT INTO decisions(at, kind, task_id, session_id, decision, reason)
       SELECT ${lit(at)}, kind, task_id, session_id, decision, reason
       FROM unnest(${texts(notes.map((d) => d.kind))}, ${ids(notes.map((d) => d.taskId))}, ${texts(notes.map((d) => d.session))},
         ${texts(notes.map((d) => d.decision))}, ${texts(notes.map((d) => d.reason))}) WITH ORDINALITY AS d(kind, task_id, session_id, decision, reason, n)
       ORDER BY n;`;
    // Every session's lock, in name order (unnest keeps the array's order): two rounds
    // never wait on each other in a circle.
    const locks = `SELECT count(pg_advisory_xact_lock(hashtextextended('architect-session:' || s, 0)))
       FROM unnest(${texts([...new Set(round.map((c) => c.session))].sort())}) AS s`;
    const until = lease ? lit(toSqlTime(new Date(now.getTime() + lease.ttlMs))) : 'NULL';
    const holder = lease ? lit(lease.holder) : 'NULL';
    const taskIds = ids(round.map((c) => c.taskId));
    // The round's claims in one statement: the rows locked in id order (two consoles
    // claiming the same head wait instead of deadlocking; a row another console claimed
    // meanwhile is re-read after its commit and dropped, no longer pending), each updated
    // only if its session still holds nothing, with its decision row and lease, and the
    // NOTIFY of what it claimed (NOTICE_CHANGES a payload). `t.id = ANY` reads the rows
    // by key whatever the planner's statistics (a table never analysed planned a scan of
    // every pending task).
    const claim = `WITH want AS (
         SELECT * FROM unnest(${taskIds}, ${texts(round.map((c) => c.session))}, ${texts(round.map((c) => c.reason))}) AS w(task_id, session, reason)
       ), locked AS (
         SELECT t.id, w.session, w.reason FROM tasks t JOIN want w ON w.task_id = t.id
         WHERE t.id = ANY(${taskIds}) AND t.status = 'pending' ORDER BY t.id FOR UPDATE OF t
       ), claimed AS (
         UPDATE tasks t SET status = 'assigned', assigned_to = l.session, assigned_at = ${lit(at)}, updated_at = ${lit(at)},
           started_at = NULL, completed_at = NULL, status_reason = l.reason, route_to = NULL
         FROM locked l
         WHERE t.id = l.id AND t.status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM tasks h WHERE h.status IN ${HELD} AND h.assigned_to = l.session)
         RETURNING t.id, l.session, l.reason, t.type, t.prompt, t.metadata, t.attempts, t.created_at, t.project_id
       ), noted AS (
         INSERT INTO decisions(at, kind, task_id, session_id, decision, reason)
         SELECT ${lit(at)}, 'route', id, session, 'assigned', reason FROM claimed ORDER BY id
       ), leased AS (
         INSERT INTO task_leases(task_id, holder, expires_at)
         SELECT id, ${holder}::text, ${until}::text FROM claimed WHERE ${holder}::text IS NOT NULL ORDER BY id
         ON CONFLICT (task_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       ), notified AS (
         SELECT pg_notify('${TASK_CHANNEL}', json_agg(json_build_object('id', id, 'status', 'assigned') ORDER BY id)::text)
         FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / ${NOTICE_CHANGES} AS part FROM claimed) c GROUP BY part
       )
       SELECT c.id, c.type, c.prompt, c.metadata, c.attempts, c.created_at AS "createdAt", p.path AS "projectPath"
       FROM claimed c LEFT JOIN projects p ON p.id = c.project_id
       WHERE (SELECT count(*) FROM notified) >= 0`;
    if (!own) {
      if (queued) await client.query(queued);
      await client.query(locks);
      return (await client.query<ClaimedRow>(claim)).rows;
    }
    // One round trip: a simple query's statements run one after the other, each (READ
    // COMMITTED) with a snapshot taken when it starts, so the claim's is still taken after
    // the locks are held. Its results, one a statement: the claim's is the one before COMMIT's.
    const results = (await client.query(`BEGIN; ${queued} ${locks}; ${claim}; COMMIT`)) as unknown as Array<pg.QueryResult<ClaimedRow>>;
    return results[results.length - 2]!.rows;
  }

  private async insertDecision(client: pg.Pool | Client, at: string, d: DecisionRecord): Promise<void> {
    await client.query('INSERT INTO decisions(at, kind, task_id, session_id, decision, reason) VALUES ($1, $2, $3, $4, $5, $6)', [at, d.kind, d.taskId, d.session, d.decision, d.reason]);
  }

  /** Several decision rows in one statement, in their order. */
  private async insertDecisions(client: pg.Pool | Client, at: string, ds: readonly DecisionRecord[]): Promise<void> {
    await client.query(
      `INSERT INTO decisions(at, kind, task_id, session_id, decision, reason)
       SELECT $1, kind, task_id, session_id, decision, reason
       FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS d(kind, task_id, session_id, decision, reason, n)
       ORDER BY n`,
      [at, ds.map((d) => d.kind), ds.map((d) => d.taskId), ds.map((d) => d.session), ds.map((d) => d.decision), ds.map((d) => d.reason)],
    );
  }
}

/**
 * The claims one statement can make: at most one per task and one per session (the
 * statement's guard sees the database as it was before it, not its own claims), the
 * first in task order winning, as one claim after another in task order would.
 */
function claimsOfRound(claims: readonly TaskClaim[]): TaskClaim[] {
  const tasks = new Set<number>();
  const sessions = new Set<string>();
  const round: TaskClaim[] = [];
  for (const c of [...claims].sort((a, b) => a.taskId - b.taskId)) {
    if (tasks.has(c.taskId) || sessions.has(c.session)) continue;
    tasks.add(c.taskId);
    sessions.add(c.session);
    round.push(c);
  }
  return round;
}

/** A task id written into SQL text (claimIn's literals): an integer, or nothing is sent. */
function checkedId(id: number): number {
  if (!Number.isSafeInteger(id)) throw new InvalidTaskError(`not a task id: ${id}`);
  return id;
}

function parseMetadata(text: string | null): Record<string, unknown> {
  if (!text) return {};
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
