import type Database from 'better-sqlite3';
import { WORKFLOW_WHERE_EXTRA, workflowDataColumns } from '../config/checks/database.js';
import type { Row } from '../workflows/types.js';

// `database` steps write only to a short list of tables, by column names checked
// against that list and values bound as parameters: no text from a workflow or its
// input ever becomes SQL. Each write returns what its compensation needs to undo it.

/**
 * Tables and the columns a workflow may write: the tasks only, as `config check`
 * says (WRITABLE_TABLES). Projects and notifications are Architect's own; on a shared
 * queue they would also be in the wrong place (the tasks name the shared database's
 * projects, a console lists its own file's).
 */
export const WORKFLOW_TABLES: Readonly<Record<string, readonly string[]>> = {
  tasks: workflowDataColumns('tasks'),
};
/** Columns a `where` may name: the writable ones plus the key. */
const WHERE_EXTRA: readonly string[] = WORKFLOW_WHERE_EXTRA;

export type DatabaseOutput =
  | { action: 'insert'; table: string; id: number; row: Row }
  | { action: 'update'; table: string; changed: number; before: Row[] };

export class DatabaseStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStepError';
  }
}

function columnsOf(table: string): readonly string[] {
  const columns = WORKFLOW_TABLES[table];
  if (!columns) throw new DatabaseStepError(`a database step may write ${Object.keys(WORKFLOW_TABLES).join(', ')}, not "${table}"`);
  return columns;
}

function checkColumns(table: string, names: string[], allowed: readonly string[], what: string): void {
  for (const name of names) {
    if (!allowed.includes(name)) throw new DatabaseStepError(`table ${table} has no writable column "${name}" in ${what} (allowed: ${allowed.join(', ')})`);
  }
}

/** SQLite binds numbers, strings, null and buffers; objects (metadata) are stored as JSON. */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

const quote = (column: string): string => `"${column}"`;

/** The checks an insert's data gets before anything is written. */
export function checkInsert(table: string, data: Row): string[] {
  const names = Object.keys(data);
  checkColumns(table, names, columnsOf(table), 'data');
  if (names.length === 0) throw new DatabaseStepError(`an insert into ${table} needs data`);
  return names;
}

export function insertRow(db: Database.Database, table: string, data: Row): DatabaseOutput {
  const names = checkInsert(table, data);
  const sql = `INSERT INTO ${quote(table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')}) RETURNING *`;
  const row = db.prepare(sql).get(...names.map((n) => bindable(data[n]))) as Row & { id: number };
  return { action: 'insert', table, id: row.id, row: readable(row) };
}

/** An update's columns checked against the writable ones (and a where required): its SQLite text and arguments. */
export function whereOf(table: string, data: Row, where: Row): { sets: string[]; whereSql: string; whereArgs: unknown[] } {
  const columns = columnsOf(table);
  const sets = Object.keys(data);
  const keys = Object.keys(where);
  checkColumns(table, sets, columns, 'data');
  checkColumns(table, keys, [...columns, ...WHERE_EXTRA], 'where');
  // An update without a where would rewrite the whole table: never what a workflow means.
  if (keys.length === 0) throw new DatabaseStepError(`an update of ${table} needs a where (e.g. where: { id: "\${steps.create_task.id}" })`);
  if (sets.length === 0) throw new DatabaseStepError(`an update of ${table} needs data`);
  return { sets, whereSql: keys.map((k) => `${quote(k)} IS ?`).join(' AND '), whereArgs: keys.map((k) => bindable(where[k])) };
}

/** The ids of the rows an update would change (tasks are then changed one by one through the task core). */
export function idsWhere(db: Database.Database, table: string, data: Row, where: Row): number[] {
  const { whereSql, whereArgs } = whereOf(table, data, where);
  return db.prepare(`SELECT id FROM ${quote(table)} WHERE ${whereSql}`).pluck().all(...whereArgs) as number[];
}

export function updateRows(db: Database.Database, table: string, data: Row, where: Row): DatabaseOutput {
  const { sets, whereSql, whereArgs } = whereOf(table, data, where);
  const before = db.prepare(`SELECT * FROM ${quote(table)} WHERE ${whereSql}`).all(...whereArgs) as Row[];
  const result = db.prepare(`UPDATE ${quote(table)} SET ${sets.map((s) => `${quote(s)} = ?`).join(', ')} WHERE ${whereSql}`).run(...sets.map((s) => bindable(data[s])), ...whereArgs);
  return { action: 'update', table, changed: result.changes, before: before.map((r) => pick(r, ['id', ...sets])) };
}

/** Undo: an inserted row is deleted; updated rows get their old values back. */
export function compensateWrite(db: Database.Database, output: DatabaseOutput): void {
  const columns = columnsOf(output.table);
  if (output.action === 'insert') {
    db.prepare(`DELETE FROM ${quote(output.table)} WHERE id = ?`).run(output.id);
    return;
  }
  for (const row of output.before) {
    const sets = Object.keys(row).filter((k) => k !== 'id' && columns.includes(k));
    if (sets.length === 0) continue;
    db.prepare(`UPDATE ${quote(output.table)} SET ${sets.map((s) => `${quote(s)} = ?`).join(', ')} WHERE id = ?`).run(...sets.map((s) => bindable(row[s])), row.id);
  }
}

/** The current row a step wrote, JSON columns parsed (null when it is gone). */
export function readRow(db: Database.Database, table: string, id: number): Row | null {
  columnsOf(table);
  const row = db.prepare(`SELECT * FROM ${quote(table)} WHERE id = ?`).get(id) as Row | undefined;
  return row ? readable(row) : null;
}

/** `metadata` and `channels` hold JSON: parsed so `${steps.create_task.metadata.title}` works. */
export function readable(row: Row): Row {
  const out: Row = { ...row };
  for (const key of ['metadata', 'channels']) {
    const v = out[key];
    if (typeof v === 'string') {
      try {
        out[key] = JSON.parse(v) as unknown;
      } catch {
        // Not JSON after all: leave the text as it is.
      }
    }
  }
  return out;
}

function pick(row: Row, keys: string[]): Row {
  return Object.fromEntries(keys.filter((k) => k in row).map((k) => [k, row[k]]));
}
