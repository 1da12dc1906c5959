import type Database from 'better-sqlite3';

/** A page of a database table for ui_config.yaml's tables: the caller has checked every name is a column of it. */
export interface TablePageQuery {
  table: string;
  fields: readonly string[];
  /** Text any of the fields contains (case-insensitive, as SQLite's LIKE). */
  search: string | null;
  /** Field → text it contains. */
  filters: ReadonlyArray<readonly [string, string]>;
  sort: { field: string; order: 'asc' | 'desc' } | null;
  limit: number;
  offset: number;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const likeEscape = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The page's rows (only `fields`) and how many rows match in all. */
export function readTablePage(db: Database.Database, q: TablePageQuery): { rows: Record<string, unknown>[]; total: number } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.search !== null) {
    where.push(`(${q.fields.map((f) => `CAST(${quote(f)} AS TEXT) LIKE ? ESCAPE '\\'`).join(' OR ')})`);
    args.push(...q.fields.map(() => likeEscape(q.search!)));
  }
  for (const [f, v] of q.filters) {
    where.push(`CAST(${quote(f)} AS TEXT) LIKE ? ESCAPE '\\'`);
    args.push(likeEscape(v));
  }
  const whereSql = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  const orderSql = q.sort ? ` ORDER BY ${quote(q.sort.field)} ${q.sort.order === 'asc' ? 'ASC' : 'DESC'}` : '';
  const total = db.prepare(`SELECT count(*) FROM ${quote(q.table)}${whereSql}`).pluck().get(...args) as number;
  const rows = db.prepare(`SELECT ${q.fields.map(quote).join(', ')} FROM ${quote(q.table)}${whereSql}${orderSql} LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as Record<string, unknown>[];
  return { rows, total };
}
