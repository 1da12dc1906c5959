// One timestamp format everywhere in the database: UTC 'YYYY-MM-DD HH:MM:SS.SSS'.
// It is what strftime('%Y-%m-%d %H:%M:%f','now') gives, it sorts as text, and it
// compares correctly with SQLite's own datetime('now','-1 day') (which the seed's
// queries use), unlike ISO strings with a 'T'.

/** SQL expression for "now" in the store's format (for DEFAULTs and statements). */
export const SQL_NOW = "strftime('%Y-%m-%d %H:%M:%f','now')";

/**
 * The same on PostgreSQL: the store keeps its timestamps as text there too, so every
 * repository compares and sorts them the same way on both engines. The statement's
 * start, as SQLite's 'now' is fixed for one statement.
 */
export const PG_NOW = "to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')";

/** A Date in the store's timestamp format. */
export function toSqlTime(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 23);
}

/** A store timestamp as ISO 8601 UTC (what the API and the UI use). */
export function fromSqlTime(sql: string): string;
export function fromSqlTime(sql: string | null): string | null;
export function fromSqlTime(sql: string | null): string | null {
  if (sql === null) return null;
  return sql.includes('T') ? sql : `${sql.replace(' ', 'T')}Z`;
}
