import { parseArgs } from 'node:util';
import { createLogger } from '../../log/logger.js';
import { QueryParamError } from '../../queries/params.js';
import { PostgresQueries } from '../../queries/postgres.js';
import { QueryService, UnknownQueryError, type QueryResult } from '../../queries/service.js';
import type { QueryProblem } from '../../queries/sql-checks.js';
import { openPool } from '../../store/postgres/pool.js';
import type { PostgresTarget } from '../../store/postgres/url.js';
import { renderTable } from '../../queries/text-table.js';
import { openStoreToRead } from '../../store/read-only.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';
import { cliConfig } from '../config.js';

const USAGE = `architect query NAME [--param key=value]... [--json]
architect query --list [--json]

Runs a named query from queries.yaml (with its environment and local overrides,
as the console layers them) against the database and prints its rows
(a table, or JSON with --json). Params are checked against the query's declared
types; --list shows every query with its params. With --db postgres://… a query
runs its postgres: variant (or its sql) in a read-only transaction.`;

export function parseParamArgs(values: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects key=value, got "${kv}"`);
    const key = kv.slice(0, eq);
    if (key in params) throw new UsageError(`--param ${key} given twice`);
    params[key] = kv.slice(eq + 1);
  }
  return params;
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { param: { type: 'string', short: 'p', multiple: true }, list: { type: 'boolean' }, json: { type: 'boolean' } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const queryCommand: CliCommand = {
  name: 'query',
  summary: 'run a named query from queries.yaml',
  usage: USAGE,
  postgres: { runs: ['query'], accepts: () => true },
  async run(args: string[], ctx: CliContext): Promise<number> {
    const { values, positionals } = parse(args);
    const json = values.json === true || ctx.globals.json;
    if (!values.list && positionals.length !== 1) throw new UsageError('give one query NAME, or --list');
    if (values.list && positionals.length > 0) throw new UsageError('--list takes no NAME');
    const params = parseParamArgs(values.param ?? []);

    const queries = cliConfig(ctx).queries;
    if (ctx.globals.dbUrl) {
      if (values.list) throw new UsageError('--list runs on the SQLite database only for now (it shows the console\'s per-query statistics)');
      return runOnPostgres(ctx.globals.dbUrl, queries, positionals[0]!, params, json, ctx);
    }
    const logger = createLogger({ level: ctx.globals.logLevel, console: ctx.stderr });
    const store = openStoreToRead({ path: ctx.globals.dbPath, logger });
    const service = new QueryService(store, { logger });
    try {
      const problems = service.load(queries);
      for (const p of problems) ctx.stderr.write(`queries.yaml: query "${p.query}" (${p.field}): ${p.message}\n`);
      if (values.list) {
        const list = service.list();
        if (json) ctx.stdout.write(JSON.stringify(list.map(({ stats: _s, ...q }) => q), null, 2) + '\n');
        else {
          ctx.stdout.write(renderTable(list.map((q) => ({
            name: q.name,
            params: q.params.map((p) => `${p.name}:${p.type}${p.required ? '!' : ''}${p.default !== undefined ? `=${String(p.default)}` : ''}`).join(' '),
            cache_s: q.cacheTtl,
            description: q.description,
          }))));
        }
        return problems.length > 0 ? EXIT_PROBLEM : EXIT_OK;
      }
      const name = positionals[0]!;
      const broken = problems.find((p) => p.query === name);
      if (broken) {
        ctx.stderr.write(`query "${name}" is not loaded: ${broken.message}\n`);
        return EXIT_PROBLEM;
      }
      try {
        const result = await service.run(name, params);
        if (json) ctx.stdout.write(JSON.stringify({ query: result.query, results: result.results, count: result.count }, null, 2) + '\n');
        else ctx.stdout.write(renderTable(result.results) + `${result.count} row${result.count === 1 ? '' : 's'} (${result.ms.toFixed(1)} ms)\n`);
        return EXIT_OK;
      } catch (err) {
        if (err instanceof QueryParamError || err instanceof UnknownQueryError) throw new UsageError(err.message);
        ctx.stderr.write(`${(err as Error).message}\n`);
        return EXIT_PROBLEM;
      }
    } finally {
      await service.close();
      store.close();
    }
  },
};

function printResult(result: QueryResult, json: boolean, ctx: CliContext): void {
  if (json) ctx.stdout.write(JSON.stringify({ query: result.query, results: result.results, count: result.count }, null, 2) + '\n');
  else ctx.stdout.write(renderTable(result.results) + `${result.count} row${result.count === 1 ? '' : 's'} (${result.ms.toFixed(1)} ms)\n`);
}

/** `architect query NAME --db postgres://…`: checked there, run in a read-only transaction. */
async function runOnPostgres(target: PostgresTarget, file: Parameters<PostgresQueries['load']>[0], name: string, params: Record<string, string>, json: boolean, ctx: CliContext): Promise<number> {
  const pool = await openPool(target, { max: 1, applicationName: 'architect query' });
  try {
    const service = new PostgresQueries(pool);
    const problems: QueryProblem[] = await service.load(file);
    const broken = problems.find((p) => p.query === name);
    if (broken) {
      ctx.stderr.write(`query "${name}" is not loaded: ${broken.message}\n`);
      return EXIT_PROBLEM;
    }
    try {
      printResult(await service.run(name, params), json, ctx);
      return EXIT_OK;
    } catch (err) {
      if (err instanceof QueryParamError || err instanceof UnknownQueryError) throw new UsageError(err.message);
      ctx.stderr.write(`${(err as Error).message}\n`);
      return EXIT_PROBLEM;
    }
  } finally {
    await pool.end();
  }
}
