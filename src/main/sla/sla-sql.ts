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
const OPEN_SQL = OPEN_STATUSES.map(quote).join(', ');

/** What differs between the engines in these counts: the clock, and counting the rows a condition holds for. */
interface Dialect {
  /** 'YYYY-MM-DD HH:MM:SS.SSS' minutes ago, as the store writes times (toSqlTime). */
  minutesAgo(minutes: number): string;
  /** How many of the group's rows `condition` holds for (0 when none). */
  countWhere(condition: string): string;
  /** A targets row that is never there. */
  noTargets: string;
  noFallback: string;
}

const SQLITE: Dialect = {
  minutesAgo: (minutes) => `strftime('%Y-%m-%d %H:%M:%f', 'now', ${quote(`-${Number(minutes.toFixed(6))} minutes`)})`,
  countWhere: (condition) => `coalesce(sum(${condition}), 0)`,
  noTargets: 'SELECT NULL, NULL, NULL WHERE 0',
  noFallback: 'SELECT NULL, NULL',
};

const POSTGRES: Dialect = {
  minutesAgo: (minutes) => `to_char((now() AT TIME ZONE 'UTC') - interval ${quote(`${Number(minutes.toFixed(6))} minutes`)}, 'YYYY-MM-DD HH24:MI:SS.MS')`,
  countWhere: (condition) => `count(*) FILTER (WHERE ${condition})`,
  noTargets: 'SELECT NULL::text, NULL::text, NULL::text WHERE false',
  noFallback: 'SELECT NULL::text, NULL::text',
};

/** Counts of open tasks by SLA level, grouped by `groupBy` (a tasks column), plus every open task in `open`. */
export function slaLevelsSql(rules: SlaFile, groupBy: 'type' | 'project_id', engine: 'sqlite' | 'postgres' = 'sqlite'): string {
  const d = engine === 'postgres' ? POSTGRES : SQLITE;
  const own = Object.entries(rules.sla_targets).filter(([key]) => key !== DEFAULT_TARGET_KEY);
  const fallback = rules.sla_targets[DEFAULT_TARGET_KEY];
  const bounds = (t: { target_minutes: number; warning_percent: number; critical_percent: number }): string =>
    `${d.minutesAgo((t.target_minutes * t.warning_percent) / 100)}, ${d.minutesAgo((t.target_minutes * t.critical_percent) / 100)}`;
  const targets = own.length ? own.map(([type, t]) => `SELECT ${quote(type)}, ${bounds(t)}`).join(' UNION ALL ') : d.noTargets;
  const dflt = fallback ? `SELECT ${bounds(fallback)}` : d.noFallback;
  const warn = 'coalesce(g.warn_before, f.warn_before)';
  const crit = 'coalesce(g.crit_before, f.crit_before)';
  const timed = `${warn} IS NOT NULL`;
  return `WITH targets(type, warn_before, crit_before) AS (${targets}),
fallback(warn_before, crit_before) AS (${dflt})
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
 * The named queries the console derives from its config (beside queries.yaml's):
 * `sla_by_type` and `sla_by_project` follow sla_rules.yaml, each with its PostgreSQL
 * variant (a console on a shared queue counts there). A query of the same name in
 * queries.yaml wins.
 */
export function derivedQueries(rules: SlaFile): Record<string, QueryDef> {
  // Types in byte order on both engines (PostgreSQL's collation may ignore the underscores).
  const byType = (engine: 'sqlite' | 'postgres', order: string): string =>
    `SELECT type, ok, warning, critical FROM (${slaLevelsSql(rules, 'type', engine)}) AS levels WHERE ok + warning + critical > 0 ORDER BY critical DESC, ${order}`;
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
      postgres: slaLevelsSql(rules, 'project_id', 'postgres'),
      params: [],
      cache_ttl: 5,
      timeout_ms: 30_000,
    },
  };
}
