import { parseArgs } from 'node:util';
import { createLogger } from '../../log/logger.js';
import { QueryParamError } from '../../queries/params.js';
import { QueryService, UnknownQueryError } from '../../queries/service.js';
import { renderTable } from '../../queries/text-table.js';
import { openStoreToRead } from '../../store/read-only.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';
import { cliConfig } from '../config.js';

const USAGE = `architect query NAME [--param key=value]... [--json]
architect query --list [--json]

Runs a named query from queries.yaml (with its environment and local overrides,
as the console layers them) against the database and prints its rows
(a table, or JSON with --json). Params are checked against the query's declared
types; --list shows every query with its params.`;

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
  async run(args: string[], ctx: CliContext): Promise<number> {
    const { values, positionals } = parse(args);
    const json = values.json === true || ctx.globals.json;
    if (!values.list && positionals.length !== 1) throw new UsageError('give one query NAME, or --list');
    if (values.list && positionals.length > 0) throw new UsageError('--list takes no NAME');
    const params = parseParamArgs(values.param ?? []);

    const queries = cliConfig(ctx).queries;
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
