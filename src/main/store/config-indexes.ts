import type { IndexDef } from '../config/schemas/queries.js';
import type { Store } from './store.js';

export interface IndexProblem {
  indexName: string;
  message: string;
}

export interface IndexReport {
  created: string[];
  dropped: string[];
  unchanged: string[];
  problems: IndexProblem[];
}

/** The CREATE INDEX statement for a config index (names and columns are schema-checked identifiers). */
export function indexDefinition(def: IndexDef): string {
  const columns = def.columns.map((c) => c.replace(/\s+/g, ' ').trim()).join(', ');
  const where = def.where ? ` WHERE ${def.where}` : '';
  return `CREATE ${def.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${def.name}" ON "${def.table}"(${columns})${where}`;
}

/** Column list as `name` / `name DESC`, the shape IndexDef uses. */
function columnsOf(def: IndexDef): string[] {
  return def.columns.map((c) => {
    const [column, order] = c.trim().split(/\s+/);
    return order?.toUpperCase() === 'DESC' ? `${column} DESC` : column!;
  });
}

/**
 * Whether an index a migration created already is what the config asks for (same
 * table, columns, order, uniqueness, not partial): then the config may name it
 * and nothing is done; it stays the migration's.
 */
function sameAsExisting(db: Store['writer'], def: IndexDef): boolean {
  const listed = (db.prepare('SELECT name, "unique", partial FROM pragma_index_list(?)').all(def.table) as { name: string; unique: number; partial: number }[])
    .find((i) => i.name === def.name);
  if (!listed || def.where || listed.partial === 1 || (listed.unique === 1) !== def.unique) return false;
  const existing = (db.prepare('SELECT name, "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno').all(def.name) as { name: string; desc: number }[])
    .map((c) => (c.desc === 1 ? `${c.name} DESC` : c.name));
  return JSON.stringify(existing) === JSON.stringify(columnsOf(def));
}

/** One change to a config index, as the statements of one transaction (run here, or by the index builder's worker). */
export interface IndexJob {
  name: string;
  kind: 'create' | 'drop';
  statements: Array<{ sql: string; args: Array<string | number> }>;
}

/**
 * What it takes to bring the config-managed indexes in line with queries.yaml:
 * create new ones, recreate changed ones, drop the ones that left the file, and
 * leave the rest alone (a reload does no work). Indexes that migrations own are
 * never touched. Reads only the schema (cheap); the jobs do the work. `report`
 * lists what is unchanged and the problems found without running anything.
 */
export function planConfigIndexes(store: Store, indexes: readonly IndexDef[]): { report: IndexReport; jobs: IndexJob[] } {
  const db = store.writer;
  const report: IndexReport = { created: [], dropped: [], unchanged: [], problems: [] };
  const jobs: IndexJob[] = [];
  const managed = new Map(
    (db.prepare('SELECT name, definition FROM config_indexes').all() as { name: string; definition: string }[]).map((r) => [
      r.name,
      r.definition,
    ]),
  );
  const tableExists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").pluck();
  const indexOwner = db.prepare("SELECT tbl_name FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck();
  const record = `INSERT INTO config_indexes(name, table_name, definition) VALUES (?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET table_name = excluded.table_name, definition = excluded.definition`;
  const wanted = new Set(indexes.map((i) => i.name));

  for (const name of managed.keys()) {
    if (wanted.has(name)) continue;
    jobs.push({ name, kind: 'drop', statements: [{ sql: `DROP INDEX IF EXISTS "${name}"`, args: [] }, { sql: 'DELETE FROM config_indexes WHERE name = ?', args: [name] }] });
  }

  for (const def of indexes) {
    const sql = indexDefinition(def);
    const previous = managed.get(def.name);
    const exists = indexOwner.get(def.name) !== undefined;
    if (previous === sql && exists) {
      report.unchanged.push(def.name);
      continue;
    }
    if (!tableExists.get(def.table)) {
      report.problems.push({ indexName: def.name, message: `table "${def.table}" does not exist; index not created` });
      continue;
    }
    if (exists && previous === undefined) {
      if (sameAsExisting(db, def)) {
        report.unchanged.push(def.name);
        continue;
      }
      report.problems.push({
        indexName: def.name,
        message: `an index named "${def.name}" already exists and differs from this definition and is not managed by queries.yaml (a migration owns it); choose another name`,
      });
      continue;
    }
    // Drop and create in one transaction: a crash never leaves the table without it
    // while config_indexes says it is there.
    jobs.push({
      name: def.name,
      kind: 'create',
      statements: [...(exists ? [{ sql: `DROP INDEX IF EXISTS "${def.name}"`, args: [] }] : []), { sql, args: [] }, { sql: record, args: [def.name, def.table, sql] }],
    });
  }
  return { report, jobs };
}

/** A job's outcome into the report: created or dropped, or a problem that says why not. */
export function reportJob(report: IndexReport, job: IndexJob, error: string | null): void {
  if (error === null) (job.kind === 'create' ? report.created : report.dropped).push(job.name);
  else report.problems.push({ indexName: job.name, message: `could not ${job.kind === 'create' ? 'create' : 'drop'} index: ${error}` });
}

/**
 * The plan run here, on the writer (the CLI, tests): a big table's index is built on
 * this thread. The console builds them in a worker instead (index-builder.ts).
 */
export function applyConfigIndexes(store: Store, indexes: readonly IndexDef[]): IndexReport {
  const db = store.writer;
  const { report, jobs } = planConfigIndexes(store, indexes);
  for (const job of jobs) {
    try {
      db.transaction(() => {
        for (const st of job.statements) db.prepare(st.sql).run(...st.args);
      })();
      reportJob(report, job, null);
    } catch (err) {
      reportJob(report, job, (err as Error).message);
    }
  }
  return report;
}
