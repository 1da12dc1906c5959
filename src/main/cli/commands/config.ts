import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';
import { loadConfig } from '../../config/load.js';

const USAGE = `architect config check [--env NAME] [--json]
    Validate the whole config (base → environments/NAME.yaml → local/overrides.yaml).
    Prints each problem as path:line:col: message; exit 1 when there is any.
architect config show [--env NAME] [--json]
    Print the merged, validated config (YAML, or JSON with --json).

Global --config DIR chooses the config folder.`;

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'check or show the layered YAML config',
  usage: USAGE,
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
    const result = loadConfig({ dir: ctx.globals.configDir, env });
    if (!result.ok) return report(ctx, result.problems, json);
    const { snapshot } = result;
    if (sub === 'check') {
      if (json) ctx.stdout.write(JSON.stringify({ ok: true, version: snapshot.version, env, files: snapshot.files, problems: [] }) + '\n');
      else ctx.stdout.write(`config OK: version ${snapshot.version}, ${snapshot.files.length} files (${snapshot.files.map((f) => f.path).join(', ')})${env ? `, env ${env}` : ''}\n`);
      return EXIT_OK;
    }
    ctx.stdout.write(json ? JSON.stringify(snapshot, null, 2) + '\n' : stringify(snapshot, { lineWidth: 0 }));
    return EXIT_OK;
  },
};

function report(ctx: CliContext, problems: { file: string; line: number; col: number; message: string }[], json: boolean): number {
  if (json) {
    ctx.stdout.write(JSON.stringify({ ok: false, problems }) + '\n');
  } else {
    for (const p of problems) ctx.stdout.write(`${path.relative(process.cwd(), p.file) || p.file}:${p.line}:${p.col}: ${p.message}\n`);
    ctx.stderr.write(`${problems.length} config problem${problems.length === 1 ? '' : 's'}\n`);
  }
  return EXIT_PROBLEM;
}
