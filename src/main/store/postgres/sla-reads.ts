// What the SLA watch (src/main/alerts/sla-watcher.ts) reads of a shared queue's tasks
// on PostgreSQL: the start-up pass's grouped count and one group's tasks in pages,
// tasks by id, the task_events it has not seen (every console's and CLI's changes), and
// per level crossing the tasks that crossed it in a time range and the next one to
// cross it — the SQLite reads (store/sla-reads.ts) in PostgreSQL's dialect.
import type pg from 'pg';
import { OPEN_SQL } from '../status-sql.js';
import { slaGroupsQueryPostgres, type SlaGroupColumn, type SlaGroupRange, type SlaGroupRow, type SlaGroupSpec, type SlaTargetTypes, type SlaTaskRow } from '../sla-reads.js';

const COLUMNS = 'id, type, status, created_at, started_at, priority, assigned_to';

export class PostgresSlaReads {
  constructor(private readonly pool: pg.Pool) {}

  /** Up to `limit` open tasks with an id above `afterId`, in id order. */
  async openAfterId(afterId: number, limit: number): Promise<SlaTaskRow[]> {
    return (await this.pool.query<SlaTaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id > $1 AND status IN (${OPEN_SQL}) ORDER BY id LIMIT $2`, [afterId, limit])).rows;
  }

  /** The tasks with these ids, whatever their status. */
  async byIds(ids: readonly number[]): Promise<SlaTaskRow[]> {
    if (ids.length === 0) return [];
    return (await this.pool.query<SlaTaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = ANY($1::bigint[])`, [ids])).rows;
  }

  /** The tasks whose status changed to an open one in (afterId, throughId]; `reopenedOnly`: from a status that was not open (SlaReads.changedTasks). */
  async changedTasks(afterId: number, throughId: number, reopenedOnly: boolean): Promise<number[]> {
    const from = reopenedOnly ? ` AND (from_status IS NULL OR from_status NOT IN (${OPEN_SQL}))` : '';
    const sql = `SELECT DISTINCT task_id AS "taskId" FROM task_events WHERE id > $1 AND id <= $2 AND to_status IN (${OPEN_SQL})${from}`;
    return (await this.pool.query<{ taskId: number }>(sql, [afterId, throughId])).rows.map((r) => r.taskId);
  }

  /** The newest task_events id (0 when none). */
  async lastEventId(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT coalesce(max(id), 0)::bigint AS n FROM task_events')).rows[0]?.n ?? 0;
  }

  /** Whether the SLA reassign step with this once-key already ran for the task (its decision row). */
  async reassigned(taskId: number, onceKey: string): Promise<boolean> {
    return (await this.pool.query("SELECT 1 FROM decisions WHERE task_id = $1 AND kind = 'sla' AND decision = $2 LIMIT 1", [taskId, onceKey])).rows.length > 0;
  }

  /** The start-up pass's groups: the open tasks counted by type, band and the columns a condition names. */
  async groups(spec: SlaGroupSpec): Promise<SlaGroupRow[]> {
    const { sql, values } = slaGroupsQueryPostgres(spec);
    return (await this.pool.query<SlaGroupRow>(sql, values)).rows;
  }

  /** One group's open tasks, oldest first, a page at a time (cursor: the last row's created_at and id). */
  async groupTasks(range: SlaGroupRange, cursor: { createdAt: string; id: number } | null, limit: number): Promise<SlaTaskRow[]> {
    const args: unknown[] = [range.after, range.upTo, range.type, cursor?.createdAt ?? '', cursor?.id ?? 0, limit];
    let filters = '';
    for (const c of (Object.keys(range.where) as SlaGroupColumn[]).sort()) {
      const value = range.where[c];
      filters += value === null || value === undefined ? ` AND ${c} IS NULL` : ` AND ${c} = $${args.push(value)}`;
    }
    return (
      await this.pool.query<SlaTaskRow>(
        `SELECT ${COLUMNS} FROM tasks WHERE created_at > $1 AND created_at <= $2 AND status IN (${OPEN_SQL}) AND type = $3${filters}
         AND (created_at > $4 OR (created_at = $4 AND id > $5)) ORDER BY created_at, id LIMIT $6`,
        args,
      )
    ).rows;
  }

  /** Ids of the open tasks of `types` created in (from, to]. */
  async createdBetween(types: SlaTargetTypes, from: string, to: string): Promise<number[]> {
    const { where, args } = typeFilter(types, 3);
    return (await this.pool.query<{ id: number }>(`SELECT id FROM tasks WHERE created_at > $1 AND created_at <= $2 AND status IN (${OPEN_SQL}) AND ${where}`, [from, to, ...args])).rows.map((r) => r.id);
  }

  /** created_at of the first open task of `types` created after `from`, if any. */
  async nextCreatedAfter(types: SlaTargetTypes, from: string): Promise<string | undefined> {
    const { where, args } = typeFilter(types, 2);
    return (await this.pool.query<{ at: string }>(`SELECT created_at AS at FROM tasks WHERE created_at > $1 AND status IN (${OPEN_SQL}) AND ${where} ORDER BY created_at LIMIT 1`, [from, ...args])).rows[0]?.at;
  }
}

function typeFilter(types: SlaTargetTypes, first: number): { where: string; args: unknown[] } {
  if ('type' in types) return { where: `type = $${first}`, args: [types.type] };
  return types.otherThan.length ? { where: `type <> ALL($${first}::text[])`, args: [[...types.otherThan]] } : { where: 'true', args: [] };
}
