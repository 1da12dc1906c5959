import type Database from 'better-sqlite3';
import type { ConfigProblem } from '../../shared/api.js';
import type { QueryDef } from '../config/schemas/queries.js';
import type { ConfigValidator } from '../config/snapshot.js';

export interface QueryProblem {
  query: string;
  /** Where in queries.yaml: the SQL, its `postgres:` variant, or the params. */
  field: 'sql' | 'postgres' | 'params';
  message: string;
}

// ATTACH and PRAGMA count as "read-only" for SQLite (they change the connection,
// not the file), so stmt.readonly does not catch them: they are refused by name.
const FORBIDDEN_KEYWORDS = ['ATTACH', 'DETACH', 'PRAGMA', 'VACUUM', 'LOAD_EXTENSION'] as const;

/** The SQL without string literals, quoted identifiers and comments: keywords only. */
export function stripLiteralsAndComments(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/`[^`]*`/g, '``')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ');
}

/**
 * What quotes hold, comments left out: SQLite takes a quoted word as a name where a
 * name fits (`FROM "pragma_database_list"`, even `FROM 'pragma_database_list'`, and
 * `"load_extension"(…)` as a function), so a name hidden in quotes counts too.
 */
function quotedWords(sql: string): string[] {
  const noComments = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, (m) => (m.startsWith('--') || m.startsWith('/*') ? ' ' : m));
  const words: string[] = [];
  for (const m of noComments.matchAll(/'((?:[^']|'')*)'|"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]/g)) words.push((m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').trim());
  return words;
}

/** Forbidden keywords in a query's SQL (pure; also catches pragma_* table functions, quoted or not). */
export function forbiddenKeywords(sql: string): string[] {
  const code = stripLiteralsAndComments(sql).toUpperCase();
  const found: string[] = FORBIDDEN_KEYWORDS.filter((k) => new RegExp(`\\b${k}\\b`).test(code));
  const quoted = quotedWords(sql);
  const add = (k: string): void => {
    if (!found.includes(k)) found.push(k);
  };
  if (/\bPRAGMA_\w+/.test(code) || quoted.some((w) => /^pragma_\w+$/i.test(w))) add('PRAGMA');
  if (quoted.some((w) => /^load_extension$/i.test(w))) add('LOAD_EXTENSION');
  return found;
}

/**
 * Prepares a query on the read-only connection without running it and says what
 * is wrong with it, if anything: several statements, forbidden keywords, a
 * statement that writes or returns no rows, a named param the SQL uses but the
 * query does not declare.
 */
export function checkQuery(reader: Database.Database, name: string, def: QueryDef): QueryProblem[] {
  const problem = (message: string, field: QueryProblem['field'] = 'sql'): QueryProblem[] => [{ query: name, field, message }];
  const forbidden = forbiddenKeywords(def.sql);
  if (forbidden.length > 0) return problem(`${forbidden.join(', ')} is not allowed in a named query (read statements only)`);
  let stmt: Database.Statement;
  try {
    stmt = reader.prepare(def.sql);
  } catch (err) {
    const message = (err as Error).message;
    if (/more than one statement/i.test(message)) return problem('several statements: a named query is exactly one SELECT');
    return problem(`does not prepare: ${message}`);
  }
  if (!stmt.readonly) return problem('writes to the database: a named query may only read');
  if (!stmt.reader) return problem('returns no rows: a named query is a SELECT (or WITH … SELECT)');
  try {
    stmt.bind(Object.fromEntries(def.params.map((p) => [p.name, null])));
  } catch (err) {
    return problem(`${(err as Error).message.replace(/\.$/, '')}: declare it under params`, 'params');
  }
  return [];
}

/**
 * Loading's check of queries.yaml: every query of a config is prepared against a
 * database (the console's own; `config check` uses the same file, or a blank one
 * with the current schema), and each problem is placed at its query's field.
 */
export function queriesValidator(reader: Database.Database): ConfigValidator {
  return (snapshot, locate) => {
    const problems: ConfigProblem[] = [];
    for (const [name, def] of Object.entries(snapshot.queries.queries)) {
      for (const p of checkQuery(reader, name, def)) {
        const at = locate('queries', ['queries', name, p.field]);
        problems.push({ ...at, message: `query "${name}": ${p.message}` });
      }
    }
    return problems;
  };
}
