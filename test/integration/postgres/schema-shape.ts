import type Database from 'better-sqlite3';
import type pg from 'pg';

// The shape of a store's schema, read from each engine's catalog and written the same
// way, so the two can be compared with toEqual: tables, their columns (type affinity,
// NOT NULL, primary key, whether there is a default), the indexes migrations create
// (columns, direction, unique, partial), unique constraints, foreign keys and triggers.

export interface SchemaShape {
  tables: Record<string, TableShape>;
}

export interface TableShape {
  columns: string[];
  indexes: string[];
  unique: string[];
  foreignKeys: string[];
  triggers: string[];
}

/** SQLite's type affinity (its rules, section 3.1 of the datatype docs) and PostgreSQL's types, as one word. */
function affinity(type: string): string {
  const t = type.toLowerCase();
  if (t.includes('int')) return 'integer';
  if (t.includes('char') || t.includes('text') || t.includes('clob')) return 'text';
  if (t.includes('bool')) return 'boolean';
  return t;
}

function column(name: string, type: string, notNull: boolean, pk: boolean, hasDefault: boolean): string {
  return `${name} ${affinity(type)}${pk ? ' pk' : ''}${notNull || pk ? ' not null' : ''}${hasDefault ? ' default' : ''}`;
}

export function sqliteShape(db: Database.Database): SchemaShape {
  const tables: Record<string, TableShape> = {};
  const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  for (const table of names) {
    const cols = db.prepare(`SELECT name, type, "notnull" AS nn, pk, dflt_value FROM pragma_table_info(?) ORDER BY cid`).all(table) as {
      name: string;
      type: string;
      nn: number;
      pk: number;
      dflt_value: string | null;
    }[];
    // An INTEGER PRIMARY KEY (declared exactly so) is the rowid: it has a value without a
    // default, as an identity column does. Another integer type (BIGINT) is a plain key.
    const columns = cols.map((c) => column(c.name, c.type, c.nn === 1, c.pk > 0, c.dflt_value !== null || (c.pk > 0 && c.type.toUpperCase() === 'INTEGER' && cols.filter((x) => x.pk > 0).length === 1)));
    const indexList = db.prepare('SELECT name, "unique" AS u, origin, partial FROM pragma_index_list(?)').all(table) as { name: string; u: number; origin: string; partial: number }[];
    const keyColumns = (index: string) =>
      (db.prepare('SELECT name, "desc" AS d, key FROM pragma_index_xinfo(?) ORDER BY seqno').all(index) as { name: string | null; d: number; key: number }[])
        .filter((c) => c.key === 1)
        .map((c) => `${c.name}${c.d ? ' desc' : ''}`);
    const indexes = indexList
      .filter((i) => i.origin === 'c')
      .map((i) => `${i.name} (${keyColumns(i.name).join(', ')})${i.u ? ' unique' : ''}${i.partial ? ' partial' : ''}`)
      .sort();
    const unique = indexList.filter((i) => i.origin === 'u').map((i) => keyColumns(i.name).join(', ')).sort();
    const fks = db.prepare('SELECT id, "from" AS f, "table" AS t, "to" AS c, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq').all(table) as {
      id: number;
      f: string;
      t: string;
      c: string;
      on_delete: string;
    }[];
    const foreignKeys = fks.map((k) => `${k.f} -> ${k.t}(${k.c}) on delete ${k.on_delete.toLowerCase()}`).sort();
    const triggers = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? ORDER BY name").pluck().all(table) as string[];
    tables[table] = { columns, indexes, unique, foreignKeys, triggers };
  }
  return { tables };
}

const PG_ON_DELETE: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

export async function postgresShape(client: pg.ClientBase, skip: readonly string[] = []): Promise<SchemaShape> {
  const tables: Record<string, TableShape> = {};
  const names = (await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")).rows
    .map((r) => r.name)
    .filter((n) => !skip.includes(n));
  for (const table of names) {
    const cols = (
      await client.query<{ name: string; type: string; notnull: boolean; pk: boolean; hasdefault: boolean }>(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
                EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = a.attrelid AND k.contype = 'p' AND a.attnum = ANY (k.conkey)) AS pk,
                (a.atthasdef OR a.attidentity <> '') AS hasdefault
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [table],
      )
    ).rows;
    const columns = cols.map((c) => column(c.name, c.type, c.notnull, c.pk, c.hasdefault));
    const idx = (
      await client.query<{ name: string; cols: string[]; unique: boolean; partial: boolean; constraint: string | null }>(
        `SELECT ic.relname AS name,
                array(SELECT a.attname || CASE WHEN (i.indoption[k.n - 1] & 1) = 1 THEN ' desc' ELSE '' END
                      FROM generate_subscripts(i.indkey, 1) WITH ORDINALITY AS k(sub, n)
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.sub]
                      ORDER BY k.n) AS cols,
                i.indisunique AS unique, i.indpred IS NOT NULL AS partial,
                (SELECT k.contype::text FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) AS constraint
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = $1::regclass`,
        [table],
      )
    ).rows;
    const indexes = idx
      .filter((i) => i.constraint === null)
      .map((i) => `${i.name} (${i.cols.join(', ')})${i.unique ? ' unique' : ''}${i.partial ? ' partial' : ''}`)
      .sort();
    const unique = idx.filter((i) => i.constraint === 'u').map((i) => i.cols.join(', ')).sort();
    const fks = (
      await client.query<{ f: string; t: string; c: string; d: string }>(
        `SELECT a.attname AS f, rt.relname AS t, ra.attname AS c, k.confdeltype AS d
         FROM pg_constraint k
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         JOIN pg_class rt ON rt.oid = k.confrelid
         JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1]
         WHERE k.conrelid = $1::regclass AND k.contype = 'f'`,
        [table],
      )
    ).rows;
    const foreignKeys = fks.map((k) => `${k.f} -> ${k.t}(${k.c}) on delete ${PG_ON_DELETE[k.d] ?? k.d}`).sort();
    const triggers = (
      await client.query<{ name: string }>('SELECT tgname AS name FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname', [table])
    ).rows.map((r) => r.name);
    tables[table] = { columns, indexes, unique, foreignKeys, triggers };
  }
  return { tables };
}
