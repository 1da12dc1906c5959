import path from 'node:path';
import type { ConfigProblem } from '../../shared/api.js';
import { loadConfig } from '../config/load.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { CliContext } from './command.js';

/** `file:line:col: message`, the file relative to where the command runs. */
export function problemLine(p: ConfigProblem): string {
  return `${path.relative(process.cwd(), p.file) || p.file}:${p.line}:${p.col}: ${p.message}`;
}

/**
 * The config a CLI command runs with: the console's layers (base → environments/ENV.yaml
 * → local/overrides.yaml, --env or ARCHITECT_ENV), merged and validated by the same
 * loader. A config with problems is reported with their positions, never half-used.
 */
export function cliConfig(ctx: CliContext): ConfigSnapshot {
  const loaded = loadConfig({ dir: ctx.globals.configDir, env: ctx.globals.env });
  if (loaded.ok) return loaded.snapshot;
  const n = loaded.problems.length;
  throw new Error(`the config in ${ctx.globals.configDir} has ${n} problem${n === 1 ? '' : 's'} (architect config check):\n${loaded.problems.map((p) => `  ${problemLine(p)}`).join('\n')}`);
}
