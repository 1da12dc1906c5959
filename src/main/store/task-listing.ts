import type Database from 'better-sqlite3';
import type { Task, TaskStatus } from '../../shared/api.js';
import { taskFromRow, type TaskRow } from './tasks.js';

/** Columns the task table may sort by: a whitelist, since ORDER BY cannot be bound. */
export const TASK_SORT_COLUMNS = ['id', 'type', 'title', 'status', 'priority', 'created_at', 'updated_at', 'assigned_to'] as const;
export type TaskSortColumn = (typeof TASK_SORT_COLUMNS)[number];

export interface TaskListingFilter {
  status?: TaskStatus;
  type?: string;
  /** Matches the title or prompt (substring), or the id when it is a number. */
  search?: string;
  sort?: { field: TaskSortColumn; order: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

/**
 * The task table's page: filtered, sorted and paged in SQL on the read-only
 * connection, so 1M tasks page as fast as 100. Counting an unfiltered or
 * status-only listing reads the kept-up-to-date task_counts, not the table.
 */
export class TaskListing {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly reader: Database.Database) {}

  list(filter: TaskListingFilter): { tasks: Task[]; total: number } {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: filter.limit, offset: filter.offset };
    if (filter.status) {
      where.push('status = @status');
      params.status = filter.status;
    }
    if (filter.type) {
      where.push('type = @type');
      params.type = filter.type;
    }
    const search = filter.search?.trim();
    if (search) {
      const asId = /^#?\d+$/.test(search) ? Number(search.replace('#', '')) : null;
      where.push(`(title LIKE @search ESCAPE '\\' OR prompt LIKE @search ESCAPE '\\'${asId !== null ? ' OR id = @searchId' : ''})`);
      params.search = `%${search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      if (asId !== null) params.searchId = asId;
    }
    const field: TaskSortColumn = filter.sort && TASK_SORT_COLUMNS.includes(filter.sort.field) ? filter.sort.field : 'id';
    const order = filter.sort?.order === 'asc' ? 'ASC' : 'DESC';
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const tiebreak = field === 'id' ? '' : `, id ${order}`;
    const rows = this.stmt(`SELECT * FROM tasks ${whereSql} ORDER BY ${field} ${order}${tiebreak} LIMIT @limit OFFSET @offset`).all(params) as TaskRow[];

    let total: number;
    if (!filter.type && !search) {
      const countSql = filter.status ? 'SELECT coalesce(sum(n), 0) FROM task_counts WHERE status = @status' : 'SELECT coalesce(sum(n), 0) FROM task_counts';
      total = this.stmt(countSql).pluck().get(filter.status ? { status: filter.status } : {}) as number;
    } else {
      const countParams = { ...params };
      delete countParams.limit;
      delete countParams.offset;
      total = this.stmt(`SELECT count(*) FROM tasks ${whereSql}`).pluck().get(countParams) as number;
    }
    return { tasks: rows.map(taskFromRow), total };
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.reader.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
