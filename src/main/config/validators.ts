import type Database from 'better-sqlite3';
import type pg from 'pg';
import { checkedQueriesValidator, checkQueriesOnPostgres } from '../queries/postgres.js';
import { queriesValidator } from '../queries/sql-checks.js';
import { routingTestsValidator } from '../routing/routing-tests.js';
import { derivedQueries } from '../sla/sla-sql.js';
import { loadConfig, type LoadResult } from './load.js';
import type { ConfigValidator } from './snapshot.js';

/**
 * The checks loading runs beyond the schemas and the section checks: routing_tests.yaml
 * run against the rules, and every named query prepared against the database. The
 * console's config service and `architect config check` both take them from here, so
 * a config the check passes is one the console loads, and the other way round.
 */
export function loadValidators(reader: Database.Database): ConfigValidator[] {
  return [routingTestsValidator, queriesValidator(reader)];
}

/** Everything loading would refuse, with its file:line:col — `architect config check`. */
export function checkConfig(opts: { dir: string; env: string | null; reader: Database.Database }): LoadResult {
  return loadConfig({ dir: opts.dir, env: opts.env, validators: loadValidators(opts.reader) });
}

/**
 * `architect config check` on a PostgreSQL database: the same checks, each named
 * query's PostgreSQL variant planned on that database. Loading is synchronous and the
 * server is not: the config is read once to find the queries, they are checked, and
 * the problems placed at their query's field by the same load.
 */
export async function checkConfigOnPostgres(opts: { dir: string; env: string | null; pool: pg.Pool }): Promise<LoadResult> {
  const first = loadConfig({ dir: opts.dir, env: opts.env, validators: [routingTestsValidator] });
  if (!first.ok) return first;
  const found = await checkQueriesOnPostgres(opts.pool, first.snapshot.queries);
  // The queries the console derives from sla_rules.yaml (sla_by_type, sla_by_project) run there too.
  const derived = Object.fromEntries(Object.entries(derivedQueries(first.snapshot.sla)).filter(([name]) => !Object.hasOwn(first.snapshot.queries.queries, name)));
  const fromSla = await checkQueriesOnPostgres(opts.pool, { ...first.snapshot.queries, queries: derived });
  const slaValidator: ConfigValidator = (_snapshot, locate) =>
    fromSla.map((p) => ({ ...locate('sla_rules', ['sla_targets']), message: `query "${p.query}" (derived from sla_rules.yaml): ${p.message}` }));
  return loadConfig({ dir: opts.dir, env: opts.env, validators: [routingTestsValidator, checkedQueriesValidator(found), slaValidator] });
}
