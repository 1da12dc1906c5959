import type Database from 'better-sqlite3';
import { queriesValidator } from '../queries/sql-checks.js';
import { routingTestsValidator } from '../routing/routing-tests.js';
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
