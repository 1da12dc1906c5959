// SLA levels of the open tasks, counted in SQL (by type for the Overview, by project
// for the projects' health): the targets of sla_rules.yaml become per-type time
// bounds in the query's text, so a reader process counts a million tasks and the
// main thread evaluates none. The same rule as evaluate.ts: elapsed time runs from
// creation; at or past critical_percent is critical, else at or past
// warning_percent is warning; types without a target of their own use `default`,
// and without `default` have no SLA running.
import type { QueryDef } from '../config/schemas/queries.js';
import type { SlaFile } from '../config/schemas/sla.js';
import { OPEN_STATUSES } from '../../shared/task-status.js';
import { DEFAULT_TARGET_KEY } from './evaluate.js';

/** The Overview's SLA chart: open tasks per type by level (rows: type, ok, warning, critical). */
export const SLA_BY_TYPE_QUERY = 'sla_by_type';
/** The projects' health: open tasks per project by level (rows: project_id, open, ok, warning, critical). */
export const SLA_BY_PROJECT_QUERY = 'sla_by_project';

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;
/** The current time, for the bounds (tests give a fixed time in the store's format instead, quoted). */
const NOW = "'now'";
const OPEN_SQL = OPEN_STATUSES.map(quote).join(', ');

/** Which engine a text is for: a console on a shared queue counts on PostgreSQL. */
export type SlaSqlEngine = 'sqlite' | 'postgres';

/** What differs between the engines in these counts. */
interface Dialect {
  /** 'YYYY-MM-DD HH:MM:SS.SSS' minutes before `now`, as the store writes times (toSqlTime). */
  minutesAgo(minutes: number, now: string): string;
  /** A targets row that is never there, and a fallback without a target. */
  noTargets: string;
  noFallback: string;
  /** Counts the rows a condition holds for (0 when none). */
  countWhere(condition: string): string;
  /** The later of two store times (NULL when both are). */
  later(a: string, b: string): string;
  /** The tasks of one creation range, read through the created_at index. */
  tasksByCreated: string;
  /** A sum as an integer (PostgreSQL sums bigints as numeric). */
  int(sum: string): string;
}

const DIALECTS: Record<SlaSqlEngine, Dialect> = {
  sqlite: {
    minutesAgo: (minutes, now) => `strftime('%Y-%m-%d %H:%M:%f', ${now}, ${quote(`-${Number(minutes.toFixed(6))} minutes`)})`,
    noTargets: 'SELECT NULL, NULL, NULL WHERE 0',
    noFallback: 'SELECT NULL, NULL',
    countWhere: (condition) => `coalesce(sum(${condition}), 0)`,
    later: (a, b) => `max(${a}, ${b})`,
    tasksByCreated: 'tasks t INDEXED BY idx_tasks_created',
    int: (sum) => sum,
  },
  postgres: {
    minutesAgo: (minutes, now) =>
      `to_char(${now === NOW ? "(now() AT TIME ZONE 'UTC')" : `(${now})::timestamp`} - interval ${quote(`${Number(minutes.toFixed(6))} minutes`)}, 'YYYY-MM-DD HH24:MI:SS.MS')`,
    noTargets: 'SELECT NULL::text, NULL::text, NULL::text WHERE false',
    noFallback: 'SELECT NULL::text, NULL::text',
    countWhere: (condition) => `count(*) FILTER (WHERE ${condition})`,
    // Both bounds come from one target: both NULL or neither.
    later: (a, b) => `greatest(${a}, ${b})`,
    tasksByCreated: 'tasks t',
    int: (sum) => `(${sum})::bigint`,
  },
};

type Target = { target_minutes: number; warning_percent: number; critical_percent: number };

/** Per type with a target of its own, and the default: the creation times at or before which a task is warning / critical. */
function boundsSql(rules: SlaFile, now: string, d: Dialect): { targets: string; fallback: string } {
  const own = Object.entries(rules.sla_targets).filter(([key]) => key !== DEFAULT_TARGET_KEY);
  const fallback = rules.sla_targets[DEFAULT_TARGET_KEY];
  const bounds = (t: Target): string =>
    `${d.minutesAgo((t.target_minutes * t.warning_percent) / 100, now)}, ${d.minutesAgo((t.target_minutes * t.critical_percent) / 100, now)}`;
  return {
    targets: own.length ? own.map(([type, t]) => `SELECT ${quote(type)}, ${bounds(t)}`).join(' UNION ALL ') : d.noTargets,
    fallback: fallback ? `SELECT ${bounds(fallback)}` : d.noFallback,
  };
}

/**
 * Counts of open tasks by SLA level, grouped by `groupBy` (a tasks column), plus every
 * open task in `open`, read from every open task. The definition: slaLevelsSql gives
 * the same numbers from the counts migration 018 keeps (tests compare the two).
 */
export function slaLevelsFromTasksSql(rules: SlaFile, groupBy: 'type' | 'project_id', now: string = NOW, engine: SlaSqlEngine = 'sqlite'): string {
  const d = DIALECTS[engine];
  const { targets, fallback } = boundsSql(rules, now, d);
  const warn = 'coalesce(g.warn_before, f.warn_before)';
  const crit = 'coalesce(g.crit_before, f.crit_before)';
  const timed = `${warn} IS NOT NULL`;
  return `WITH targets(type, warn_before, crit_before) AS (${targets}),
fallback(warn_before, crit_before) AS (${fallback})
SELECT t.${groupBy} AS ${groupBy},
  count(*) AS open,
  ${d.countWhere(`${timed} AND t.created_at > ${warn} AND t.created_at > ${crit}`)} AS ok,
  ${d.countWhere(`${timed} AND t.created_at <= ${warn} AND t.created_at > ${crit}`)} AS warning,
  ${d.countWhere(`${timed} AND t.created_at <= ${crit}`)} AS critical
FROM tasks t LEFT JOIN targets g ON g.type = t.type CROSS JOIN fallback f
WHERE t.status IN (${OPEN_SQL})
GROUP BY t.${groupBy}`;
}

/**
 * The same numbers as slaLevelsFromTasksSql, from the open-task counts that migration
 * 018's triggers keep: per (type, project) the open tasks (task_open_counts), and how
 * many were created after a bound — the minutes after the bound's minute
 * (task_open_minutes, a range of at most target-many rows per group) plus the bound
 * minute's own open tasks read from tasks through idx_tasks_created (one minute of
 * tasks), so the counts are exact to the millisecond, as the scan's. For a type:
 * ok = created after both bounds, critical = open − created after the critical bound,
 * warning = the rest. Reads no task outside the bound minutes, so its cost follows
 * the targets' length, not the number of open tasks.
 */
export function slaLevelsSql(rules: SlaFile, groupBy: 'type' | 'project_id', now: string = NOW, engine: SlaSqlEngine = 'sqlite'): string {
  const d = DIALECTS[engine];
  const { targets, fallback } = boundsSql(rules, now, d);
  // Open tasks of group o created after bound b (a column of o).
  const after = (b: string): string => `(SELECT coalesce(sum(m.n), 0) FROM task_open_minutes m
      WHERE m.type = o.type AND m.project_id = o.project_id AND m.minute > substr(o.${b}, 1, 16))
    + (SELECT count(*) FROM ${d.tasksByCreated}
      WHERE t.created_at > o.${b} AND t.created_at < substr(o.${b}, 1, 16) || ':99'
        AND t.type = o.type AND coalesce(t.project_id, 0) = o.project_id AND t.status IN (${OPEN_SQL}))`;
  const key = groupBy === 'type' ? 'type' : 'nullif(project_id, 0)';
  return `WITH targets(type, warn_before, crit_before) AS (${targets}),
fallback(warn_before, crit_before) AS (${fallback}),
open_groups AS (
  SELECT c.type, c.project_id, c.n,
    coalesce(g.crit_before, f.crit_before) AS crit_before,
    ${d.later('coalesce(g.warn_before, f.warn_before)', 'coalesce(g.crit_before, f.crit_before)')} AS ok_after
  FROM task_open_counts c LEFT JOIN targets g ON g.type = c.type CROSS JOIN fallback f
  WHERE c.n > 0
),
levels AS (
  SELECT o.type, o.project_id, o.n,
    CASE WHEN o.crit_before IS NULL THEN 0 ELSE ${after('ok_after')} END AS fresh,
    CASE WHEN o.crit_before IS NULL THEN o.n ELSE ${after('crit_before')} END AS not_critical,
    o.crit_before IS NOT NULL AS timed
  FROM open_groups o
)
SELECT ${key} AS ${groupBy},
  ${d.int('sum(n)')} AS open,
  ${d.int('sum(fresh)')} AS ok,
  ${d.int('sum(CASE WHEN timed THEN not_critical - fresh ELSE 0 END)')} AS warning,
  ${d.int('sum(n - not_critical)')} AS critical
FROM levels
GROUP BY ${key}`;
}

/**
 * The named queries the console derives from its config (beside queries.yaml's):
 * `sla_by_type` and `sla_by_project` follow sla_rules.yaml, each with its PostgreSQL
 * text (a console on a shared queue counts there, from the same trigger-kept counts).
 * A query of the same name in queries.yaml wins.
 */
export function derivedQueries(rules: SlaFile): Record<string, QueryDef> {
  // Types in byte order on both engines (PostgreSQL's collation may ignore the underscores).
  const byType = (engine: SlaSqlEngine, order: string): string =>
    `SELECT type, ok, warning, critical FROM (${slaLevelsSql(rules, 'type', NOW, engine)}) AS levels WHERE ok + warning + critical > 0 ORDER BY critical DESC, ${order}`;
  return {
    [SLA_BY_TYPE_QUERY]: {
      description: 'Open tasks per type by SLA level (ok, warning, critical), from sla_rules.yaml targets',
      sql: byType('sqlite', 'type'),
      postgres: byType('postgres', 'type COLLATE "C"'),
      params: [],
      cache_ttl: 5,
      timeout_ms: 30_000,
    },
    [SLA_BY_PROJECT_QUERY]: {
      description: 'Open tasks per project by SLA level (open, ok, warning, critical), from sla_rules.yaml targets',
      sql: slaLevelsSql(rules, 'project_id'),
      postgres: slaLevelsSql(rules, 'project_id', NOW, 'postgres'),
      params: [],
      cache_ttl: 5,
      timeout_ms: 30_000,
    },
  };
}
