// What the SLA watcher (src/main/alerts/sla-watcher.ts) reads: the task_events it has
// not seen, a reassign's once-key, per (target, threshold) the tasks that crossed it
// in a time range and the next one to cross it, and for the start-up pass the open
// tasks counted in groups the escalation conditions cannot tell apart (type, the
// "band" between two level crossings, and only the columns a condition names), so
// the pass evaluates a group once instead of every open task. On the writer
// connection, except the grouped count, which runs in a reader process when the
// console has one (slaGroupsQuery gives its SQL).
import type Database from 'better-sqlite3';
import type { TaskStatus } from '../../shared/api.js';
import { OPEN_SQL } from './status-sql.js';

const COLUMNS = 'id, type, status, created_at, started_at, priority, assigned_to';

/** An open task as the SLA watcher evaluates it (times as stored). */
export interface SlaTaskRow {
  id: number;
  type: string;
  status: TaskStatus;
  created_at: string;
  started_at: string | null;
  priority: number;
  assigned_to: string | null;
}

/**
 * One level crossing's two reads, for the tasks of one SLA target: its own type, or
 * (`otherThan`) every type but those with a target of their own.
 */
export interface SlaCrossingReads {
  /** Ids of open tasks created in (from, to]. */
  createdBetween(from: string, to: string): number[];
  /** created_at of the first open task created after `from`, if any. */
  nextCreatedAfter(from: string): string | undefined;
}

export type SlaTargetTypes = { type: string } | { otherThan: readonly string[] };

/**
 * The SQL of one crossing's two reads and the type arguments that follow their time
 * arguments. `+type`, `+status`: the planner must walk the created_at index (a type's
 * index would read all its tasks); test/integration/store/sla-reads.test.ts checks the plan.
 */
export function slaCrossingSql(types: SlaTargetTypes): { between: string; next: string; typeArgs: string[] } {
  const own = 'otherThan' in types ? types.otherThan : [];
  const typeSql = 'otherThan' in types ? (own.length ? `+type NOT IN (${own.map(() => '?').join(',')})` : '1') : '+type = ?';
  return {
    between: `SELECT id FROM tasks WHERE created_at > ? AND created_at <= ? AND +status IN (${OPEN_SQL}) AND ${typeSql}`,
    next: `SELECT created_at FROM tasks WHERE created_at > ? AND +status IN (${OPEN_SQL}) AND ${typeSql} ORDER BY created_at LIMIT 1`,
    typeArgs: 'otherThan' in types ? [...own] : [types.type],
  };
}

/** Columns a condition may name besides the time facts: grouped by only when one does. */
export type SlaGroupColumn = 'status' | 'priority' | 'assigned_to';

export interface SlaGroupSpec {
  /** The types with a target of their own and their cutoffs (store times; a task created at or before one has crossed it). */
  types: Array<{ type: string; cutoffs: string[] }>;
  /** Cutoffs for every other type (the `default` target), or null: those types have no SLA and are not read. */
  fallback: string[] | null;
  by: SlaGroupColumn[];
}

export interface SlaGroupRow {
  type: string;
  /** How many of its type's cutoffs the group's tasks have passed. */
  band: number;
  status?: TaskStatus;
  priority?: number;
  assigned_to?: string | null;
  n: number;
  /** The newest task's created_at (store time): the group's representative for the time facts. */
  newest: string;
}

/**
 * The grouped count of open tasks (SQLite). Named parameters: the text depends only on
 * the spec's shape, so a reader keeps one prepared statement per rules file.
 */
export function slaGroupsQuery(spec: SlaGroupSpec): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  let n = 0;
  const sql = groupsSql(spec, (value) => {
    const name = `p${n++}`;
    params[name] = value;
    return `@${name}`;
  }, (cmp) => `(${cmp})`);
  return { sql, params };
}

/** The same count in PostgreSQL's dialect: positional parameters, a comparison counted as an integer. */
export function slaGroupsQueryPostgres(spec: SlaGroupSpec): { sql: string; values: string[] } {
  const values: string[] = [];
  const sql = groupsSql(spec, (value) => `$${values.push(value)}`, (cmp) => `(${cmp})::int`);
  return { sql, values };
}

function groupsSql(spec: SlaGroupSpec, param: (value: string) => string, counted: (comparison: string) => string): string {
  const band = (cutoffs: readonly string[]): string => (cutoffs.length ? cutoffs.map((c) => counted(`t.created_at <= ${param(c)}`)).join(' + ') : '0');
  const fallback = spec.fallback ? band(spec.fallback) : 'NULL';
  const bandSql = spec.types.length ? `CASE t.type ${spec.types.map((t) => `WHEN ${param(t.type)} THEN ${band(t.cutoffs)}`).join(' ')} ELSE ${fallback} END` : fallback;
  const typeFilter = spec.fallback ? '' : ` AND t.type IN (${spec.types.map((t) => param(t.type)).join(', ') || 'NULL'})`;
  const extra = spec.by.map((c) => `, t.${c} AS ${c}`).join('');
  const groupBy = ['1', '2', ...spec.by.map((_, i) => String(i + 3))].join(', ');
  return `SELECT t.type AS type, ${bandSql} AS band${extra}, count(*) AS n, max(t.created_at) AS newest
FROM tasks t WHERE t.status IN (${OPEN_SQL})${typeFilter}
GROUP BY ${groupBy}`;
}

/** A range of one group's tasks: its type, created_at in (after, upTo], the grouped columns' values. */
export interface SlaGroupRange {
  type: string;
  after: string;
  upTo: string;
  where: Partial<Record<SlaGroupColumn, string | number | null>>;
}

export class SlaReads {
  private readonly rangeStmts = new Map<string, Database.Statement>();
  private readonly openTasks: Database.Statement;
  private readonly openAfter: Database.Statement;
  private readonly changedOpen: Database.Statement;
  private readonly reopened: Database.Statement;
  private readonly lastEvent: Database.Statement;
  private readonly reassignedBefore: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.openTasks = db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE status IN (${OPEN_SQL})`);
    this.openAfter = db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE id > ? AND status IN (${OPEN_SQL}) ORDER BY id LIMIT ?`);
    // A range of the rowid: the statement reads at most `throughId - afterId` history entries.
    this.changedOpen = db.prepare(`SELECT DISTINCT task_id FROM task_events WHERE id > ? AND id <= ? AND to_status IN (${OPEN_SQL})`).pluck();
    this.reopened = db.prepare(`SELECT DISTINCT task_id FROM task_events WHERE id > ? AND id <= ? AND to_status IN (${OPEN_SQL}) AND (from_status IS NULL OR from_status NOT IN (${OPEN_SQL}))`).pluck();
    this.lastEvent = db.prepare('SELECT coalesce(max(id), 0) FROM task_events').pluck();
    // A reassign is remembered as a decision keyed by its onceKey, so it too survives a restart.
    this.reassignedBefore = db.prepare("SELECT 1 FROM decisions WHERE task_id = ? AND kind = 'sla' AND decision = ?").pluck();
  }

  /** The start-up pass's groups on this connection (a console without reader processes: tests, a CLI). */
  groups(spec: SlaGroupSpec): SlaGroupRow[] {
    const { sql, params } = slaGroupsQuery(spec);
    return this.db.prepare(sql).all(params) as SlaGroupRow[];
  }

  /** One group's open tasks, oldest first, a page at a time (cursor: the last row's created_at and id). */
  groupTasks(range: SlaGroupRange, cursor: { createdAt: string; id: number } | null, limit: number): SlaTaskRow[] {
    const cols = (Object.keys(range.where) as SlaGroupColumn[]).sort();
    const key = cols.map((c) => `${c}:${range.where[c] === null ? 'null' : 'v'}`).join(',');
    let stmt = this.rangeStmts.get(key);
    if (!stmt) {
      const filters = cols.map((c) => (range.where[c] === null ? ` AND +${c} IS NULL` : ` AND +${c} = @${c}`)).join('');
      // `+type`, `+status`: the planner walks the created_at index (a type's index would read all its tasks).
      stmt = this.db.prepare(
        `SELECT ${COLUMNS} FROM tasks WHERE created_at > @after AND created_at <= @upTo AND +status IN (${OPEN_SQL}) AND +type = @type${filters}
         AND (created_at > @cAt OR (created_at = @cAt AND id > @cId)) ORDER BY created_at, id LIMIT @limit`,
      );
      this.rangeStmts.set(key, stmt);
    }
    const values: Record<string, unknown> = { after: range.after, upTo: range.upTo, type: range.type, cAt: cursor?.createdAt ?? '', cId: cursor?.id ?? 0, limit };
    for (const c of cols) if (range.where[c] !== null) values[c] = range.where[c];
    return stmt.all(values) as SlaTaskRow[];
  }

  /** Every open task (a one-shot pass: tests, a CLI). */
  allOpen(): SlaTaskRow[] {
    return this.openTasks.all() as SlaTaskRow[];
  }

  /** Up to `limit` open tasks with an id above `afterId`, in id order (the start-up pass's slices). */
  openAfterId(afterId: number, limit: number): SlaTaskRow[] {
    return this.openAfter.all(afterId, limit) as SlaTaskRow[];
  }

  /** The tasks with these ids, whatever their status (gone ones are absent). Keep `ids` to a few hundred. */
  byIds(ids: readonly number[]): SlaTaskRow[] {
    if (ids.length === 0) return [];
    return this.db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as SlaTaskRow[];
  }

  /**
   * The tasks whose status changed to an open one by a task_events entry in
   * (afterId, throughId]: every such change, or (`reopenedOnly`) only those coming from
   * a status that was not open (a retry) — the rest are left in SQL, unread.
   */
  changedTasks(afterId: number, throughId: number, reopenedOnly: boolean): number[] {
    return (reopenedOnly ? this.reopened : this.changedOpen).all(afterId, throughId) as number[];
  }

  /** The newest task_events id (0 when none): where a full pass starts watching changes. */
  lastEventId(): number {
    return this.lastEvent.get() as number;
  }

  /** Whether the SLA reassign step with this once-key already ran for the task. */
  reassigned(taskId: number, onceKey: string): boolean {
    return this.reassignedBefore.get(taskId, onceKey) !== undefined;
  }

  /** The two statements of one (target, threshold) pair; prepare once per rules file. */
  crossing(types: SlaTargetTypes): SlaCrossingReads {
    const sql = slaCrossingSql(types);
    const between = this.db.prepare(sql.between).pluck();
    const next = this.db.prepare(sql.next).pluck();
    const typeArgs = sql.typeArgs;
    return {
      createdBetween: (from, to) => between.all(from, to, ...typeArgs) as number[],
      nextCreatedAfter: (from) => next.get(from, ...typeArgs) as string | undefined,
    };
  }
}
