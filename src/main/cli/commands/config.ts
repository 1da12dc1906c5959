import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { ConfigProblem } from '../../../shared/api.js';
import type { LoadResult } from '../../config/load.js';
import { checkConfig, checkConfigOnPostgres } from '../../config/validators.js';
import { openPool } from '../../store/postgres/pool.js';
import { createLogger, silentLogger } from '../../log/logger.js';
import { openBlankStore, openStoreToRead } from '../../store/read-only.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';
import { problemLine } from '../config.js';
import { renamedSessionWarnings } from '../renamed-check.js';

const USAGE = `architect config check [--env NAME] [--json]
    Validate the whole config (base → environments/NAME.yaml → local/overrides.yaml)
    with exactly the checks the console runs when it loads it: schemas, cross-file
    checks, routing_tests.yaml, and every named query prepared against the database
    (--db, or a blank one with the current schema when there is none yet). With
    --db postgres://…, each query's postgres: variant (or its sql) is checked there.
    Prints each problem as path:line:col: message; exit 1 when there is any.
    Warns (exit 0) where a rule names a session that is now named socket:session
    (a session on a local tmux server after the first one watched).
architect config show [--env NAME] [--json]
    Print the merged, validated config (YAML, or JSON with --json).

Global --config DIR chooses the config folder.`;

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'check or show the layered YAML config',
  usage: USAGE,
  postgres: { runs: ['config check', 'config show'], accepts: (args) => args[0] === 'check' || args[0] === 'show' },
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub !== 'check' && sub !== 'show') throw new UsageError(sub ? `unknown config command "${sub}"` : 'config needs a command: check or show');
    let values: { env?: string; json?: boolean };
    try {
      ({ values } = parseArgs({ args: rest, strict: true, allowPositionals: false, options: { env: { type: 'string' }, json: { type: 'boolean' } } }));
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const env = values.env ?? ctx.globals.env;
    const json = values.json ?? ctx.globals.json;
    const result = ctx.globals.dbUrl ? await checkOnPostgres(ctx, env) : checkWithDatabase(ctx, env);
    if (!result.ok) return report(ctx, result.problems, json);
    const { snapshot } = result;
    if (sub === 'check') {
      // Not problems: the config loads; but a rule naming a renamed session matches nothing.
      const warnings = await renamedSessionWarnings(ctx, snapshot, result.locate);
      if (json) ctx.stdout.write(JSON.stringify({ ok: true, version: snapshot.version, env, files: snapshot.files, problems: [], warnings }) + '\n');
      else {
        for (const w of warnings) ctx.stdout.write(`warning: ${problemLine(w)}\n`);
        ctx.stdout.write(`config OK: version ${snapshot.version}, ${snapshot.files.length} files (${snapshot.files.map((f) => f.path).join(', ')})${env ? `, env ${env}` : ''}${warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}\n`);
      }
      return EXIT_OK;
    }
    ctx.stdout.write(json ? JSON.stringify(snapshot, null, 2) + '\n' : stringify(snapshot, { lineWidth: 0 }));
    return EXIT_OK;
  },
};

/** The console's own load (config/validators.ts), against --db if it exists, else a blank schema. */
function checkWithDatabase(ctx: CliContext, env: string | null): LoadResult {
  const exists = ctx.globals.dbPath !== '' && fs.existsSync(ctx.globals.dbPath);
  // The blank database is an implementation detail: its migration is not news.
  const store = exists ? openStoreToRead({ path: ctx.globals.dbPath, logger: createLogger({ level: ctx.globals.logLevel, console: ctx.stderr }) }) : openBlankStore({ logger: silentLogger });
  try {
    return checkConfig({ dir: ctx.globals.configDir, env, reader: store.reader });
  } finally {
    store.close();
  }
}

/** The same, each query's PostgreSQL variant planned on the --db postgres://… database. */
async function checkOnPostgres(ctx: CliContext, env: string | null): Promise<LoadResult> {
  const pool = await openPool(ctx.globals.dbUrl!, { max: 1, applicationName: 'architect config check' });
  try {
    return await checkConfigOnPostgres({ dir: ctx.globals.configDir, env, pool });
  } finally {
    await pool.end();
  }
}

function report(ctx: CliContext, problems: ConfigProblem[], json: boolean): number {
  if (json) {
    ctx.stdout.write(JSON.stringify({ ok: false, problems }) + '\n');
  } else {
    for (const p of problems) ctx.stdout.write(`${problemLine(p)}\n`);
    ctx.stderr.write(`${problems.length} config problem${problems.length === 1 ? '' : 's'}\n`);
  }
  return EXIT_PROBLEM;
}
