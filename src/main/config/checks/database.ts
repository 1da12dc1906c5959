// What the database provides, for checking table columns and workflow writes before a
// query runs. Mirrors the store's schema (src/main/store migrations); the query
// service's validator also prepares every query against the real database.

export const DATABASE_TABLES: Readonly<Record<string, readonly string[]>> = {
  tasks: ['id', 'type', 'title', 'prompt', 'priority', 'status', 'project_id', 'assigned_to', 'created_at', 'updated_at', 'assigned_at', 'started_at', 'completed_at', 'metadata', 'attempts', 'not_before', 'last_error', 'hold_reason', 'urgent'],
  sessions: ['id', 'name', 'server', 'status', 'provider', 'current_task_id', 'idle_since', 'last_heartbeat', 'state_since', 'cwd', 'project_id', 'updated_at'],
  errors: ['id', 'fingerprint', 'source', 'session_id', 'task_id', 'message', 'first_seen', 'last_seen', 'count', 'resolved'],
  task_counts: ['status', 'n'],
  task_dependencies: ['task_id', 'depends_on'],
  task_leases: ['task_id', 'holder', 'expires_at'],
};

/** Columns only the task core writes (hold and release; urgent, through route_task_to_session): a workflow `database` step may not name them. */
export const CORE_ONLY_COLUMNS: Readonly<Record<string, readonly string[]>> = { tasks: ['hold_reason', 'urgent'] };

/** Columns the database fills in itself (the key, the row's times): a workflow `database` step's data may not set them. */
export const DATABASE_SET_COLUMNS: Readonly<Record<string, readonly string[]>> = { tasks: ['id', 'created_at', 'updated_at'] };

/** Tables a workflow `database` step may write. */
export const WRITABLE_TABLES = ['tasks'] as const;

/** The columns a workflow `database` step's data may set on a known table: not the database's own, not the core's. */
export function workflowDataColumns(table: string): string[] {
  const refused = [...(DATABASE_SET_COLUMNS[table] ?? []), ...(CORE_ONLY_COLUMNS[table] ?? [])];
  return (DATABASE_TABLES[table] ?? []).filter((c) => !refused.includes(c));
}

/** Columns a `where` may name besides the writable ones: the key. */
export const WORKFLOW_WHERE_EXTRA = ['id'] as const;

/**
 * The column names a SELECT returns, or null when it cannot tell (e.g. `*`).
 * Reads the outermost select list only (after a WITH clause's parenthesised queries):
 * items split at top-level commas, named by their `AS` alias or their last identifier.
 */
export function selectedColumns(sql: string): string[] | null {
  const text = sql.replace(/--[^\n]*/g, ' ').replace(/'(?:[^']|'')*'/g, "''");
  let start = -1;
  for (let i = 0, depth = 0; i < text.length && start < 0; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0 && /^select\b/i.test(text.slice(i, i + 7)) && !/\w/.test(text[i - 1] ?? ' ')) start = i + 6;
  }
  if (start < 0) return null;
  let depth = 0;
  let itemStart = start;
  const items: string[] = [];
  for (let i = itemStart; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && ch === ',') {
      items.push(text.slice(itemStart, i));
      itemStart = i + 1;
    } else if (depth === 0 && /\bfrom\b/iy.test(text.slice(i, i + 5)) && /\s/.test(text[i - 1] ?? ' ')) {
      items.push(text.slice(itemStart, i));
      itemStart = -1;
      break;
    }
  }
  if (itemStart !== -1) items.push(text.slice(itemStart));
  const names: string[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (item === '*' || item.endsWith('.*')) return null;
    const alias = /\bas\s+"?([A-Za-z_][A-Za-z0-9_]*)"?\s*$/i.exec(item);
    const bare = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(item);
    const name = alias?.[1] ?? bare?.[1];
    if (name) names.push(name);
  }
  return names;
}
