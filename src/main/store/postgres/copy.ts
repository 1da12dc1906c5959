import type Database from 'better-sqlite3';
import type pg from 'pg';
import { migrations } from '../migrations/index.js';
import { applyMigrations, lockSchema, SCHEMA_TABLE } from './migrate.js';
import type { PostgresTarget } from './url.js';

// `architect db migrate-to postgres://…`: a SQLite database copied into an empty
// PostgreSQL one. Everything happens in one PostgreSQL transaction — the check that
// the target is empty, the migrations, every table's rows in batches, the identity
// sequences, and the row counts compared table by table — so a refusal or a failure
// half-way leaves the target exactly as it was. The source is read in one read
// transaction: a console writing to it meanwhile does not make the copy inconsistent.

/** The target already holds something: nothing was changed. */
export class TargetNotEmptyError extends Error {
  constructor(target: string, what: string) {
    super(`${target} ${what}: migrate-to copies into an empty database only (create one with \`createdb\`, or drop what is there); nothing was changed`);
    this.name = 'TargetNotEmptyError';
  }
}

export interface CopiedTable {
  table: string;
  rows: number;
}

export interface CopyReport {
  target: string;
  tables: CopiedTable[];
  rows: number;
}

export interface CopyOptions {
  /** Rows per INSERT (1,000 by default; fewer for wide tables: PostgreSQL takes at most 65,535 parameters). */
  batchRows?: number;
  /** After each table (for a progress line). */
  onTable?: (copied: CopiedTable) => void;
}

/** Tables migrations fill with rows of their own (zeroed counters): not data, but replaced by the copy. */
const PREFILLED: Readonly<Record<string, string>> = { task_counts: 'n <> 0' };
const MAX_PARAMS = 65_535;

/** The store's tables in the source, parents before children (foreign keys). */
function tablesInOrder(db: Database.Database): string[] {
  const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const parents = new Map(names.map((n) => [n, (db.prepare('SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)').pluck().all(n) as string[]).filter((p) => p !== n)]));
  const ordered: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (ordered.includes(name)) return;
    if (path.includes(name)) throw new Error(`foreign keys form a cycle through ${[...path, name].join(' → ')}`);
    for (const p of parents.get(name) ?? []) if (names.includes(p)) visit(p, [...path, name]);
    ordered.push(name);
  };
  for (const n of names) visit(n, []);
  return ordered;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** What the target holds that is not Architect's empty schema, or null when it is empty. */
async function contents(client: pg.ClientBase, ours: readonly string[]): Promise<string | null> {
  const present = (await client.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename')).rows.map((r) => r.t);
  const foreign = present.filter((t) => t !== SCHEMA_TABLE && !ours.includes(t));
  if (foreign.length > 0) return `holds tables that are not Architect's (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''})`;
  const filled: string[] = [];
  for (const t of present.filter((p) => ours.includes(p))) {
    const where = PREFILLED[t];
    const n = (await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(t)}${where ? ` WHERE ${where}` : ''}`)).rows[0]!.n;
    if (n > 0) filled.push(`${t}: ${n} row${n === 1 ? '' : 's'}`);
  }
  return filled.length > 0 ? `already holds data (${filled.join(', ')})` : null;
}

export async function copySqliteToPostgres(source: Database.Database, pool: pg.Pool, target: PostgresTarget, opts: CopyOptions = {}): Promise<CopyReport> {
  const client = await pool.connect();
  let sourceOpen = false;
  try {
    await client.query('BEGIN');
    // One snapshot of the source for every table and count below.
    source.exec('BEGIN');
    sourceOpen = true;
    const tables = tablesInOrder(source);
    await lockSchema(client);
    const found = await contents(client, tables);
    if (found) throw new TargetNotEmptyError(target.display, found);
    await applyMigrations(client, target.display, migrations);

    // The copy brings its own history, counters and per-minute completions: the
    // triggers that keep them must not count every row a second time.
    for (const t of tables) await client.query(`ALTER TABLE ${quoteIdent(t)} DISABLE TRIGGER USER`);
    for (const t of [...tables].reverse()) await client.query(`DELETE FROM ${quoteIdent(t)}`);

    const copied: CopiedTable[] = [];
    for (const table of tables) {
      const columns = (source.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(table) as string[]);
      const targetColumns = (await client.query<{ c: string }>(
        'SELECT attname AS c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped',
        [quoteIdent(table)],
      )).rows.map((r) => r.c);
      const missing = columns.filter((c) => !targetColumns.includes(c));
      if (missing.length > 0) throw new Error(`${target.display}: table ${table} has no column ${missing.join(', ')} (is the source from a newer Architect?)`);
      const perBatch = Math.max(1, Math.min(opts.batchRows ?? 1000, Math.floor(MAX_PARAMS / columns.length)));
      const head = `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES `;
      let batch: unknown[][] = [];
      let rows = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        await client.query(head + values, batch.flat());
        rows += batch.length;
        batch = [];
      };
      const read = source.prepare(`SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table)}`).raw();
      for (const row of read.iterate() as IterableIterator<unknown[]>) {
        batch.push(row);
        if (batch.length >= perBatch) await flush();
      }
      await flush();
      const entry = { table, rows };
      copied.push(entry);
      opts.onTable?.(entry);
    }

    for (const t of tables) await client.query(`ALTER TABLE ${quoteIdent(t)} ENABLE TRIGGER USER`);

    // Identity columns go on after the highest id copied, or after the highest id
    // SQLite ever gave (AUTOINCREMENT: a deleted task's id is not given again).
    const seqs = source.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_sequence'").pluck().get() as number;
    const highest = new Map<string, number>(seqs ? (source.prepare('SELECT name, seq FROM sqlite_sequence').raw().all() as [string, number][]) : []);
    const identities = (await client.query<{ t: string; c: string }>(
      "SELECT c.relname AS t, a.attname AS c FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = current_schema()::regnamespace AND a.attidentity <> '' AND NOT a.attisdropped",
    )).rows;
    for (const { t, c } of identities) {
      const max = (await client.query<{ m: number | null }>(`SELECT max(${quoteIdent(c)}) AS m FROM ${quoteIdent(t)}`)).rows[0]!.m ?? 0;
      const next = Math.max(max, highest.get(t) ?? 0);
      // setval(seq, n, true): the next id is n + 1; (seq, 1, false): the next is 1.
      await client.query('SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)', [quoteIdent(t), c, Math.max(next, 1), next > 0]);
    }

    // Verified before the commit: each table holds what the source held.
    for (const { table, rows } of copied) {
      const inSource = source.prepare(`SELECT count(*) FROM ${quoteIdent(table)}`).pluck().get() as number;
      const inTarget = (await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`)).rows[0]!.n;
      if (inSource !== inTarget || rows !== inSource) {
        throw new Error(`${target.display}: table ${table} has ${inTarget} rows after the copy, the source ${inSource}: nothing was changed`);
      }
    }
    await client.query('COMMIT');
    return { target: target.display, tables: copied, rows: copied.reduce((n, t) => n + t.rows, 0) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    if (sourceOpen && source.inTransaction) source.exec('COMMIT');
    client.release();
  }
}

/** Fresh planner statistics after a bulk copy (outside the copy's transaction). */
export async function analyze(pool: pg.Pool): Promise<void> {
  await pool.query('ANALYZE');
}
