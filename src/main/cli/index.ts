// `architect`: the CLI, on the same core and database as the app.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import { EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, UsageError, type CliCommand, type CliContext } from './command.js';
import { parseGlobals } from './globals.js';
import { registry } from './registry.js';

export function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

const GLOBAL_HELP = `Global options:
  --config DIR         config folder (default: ./config of the install; env ARCHITECT_CONFIG)
  --env NAME           layer config/environments/NAME.yaml (env ARCHITECT_ENV)
  --db FILE|URL        SQLite database file (default: the user data folder; env ARCHITECT_DB),
                       or postgres://user@host:port/dbname (env ARCHITECT_DB_URL)
  --tmux-socket NAME   also watch the tmux server "tmux -L NAME" (repeatable; env ARCHITECT_TMUX_SOCKETS=a,b)
  --no-default-tmux    do not watch the default tmux server (env ARCHITECT_DEFAULT_TMUX=0)
  --log-level LEVEL    debug, info, warn or error (default info; env ARCHITECT_LOG_LEVEL)
  env ARCHITECT_HOST_NAME  on a shared queue (postgres://…), this machine's name in its local
                       sessions' names, HOST:w1 (default: the host name up to its first ".")
  --json               machine-readable output, where the output is data
  -h, --help           help; "architect help COMMAND" for one command
  -v, --version        print the version

Exit codes: 0 ok, 1 a problem was found (e.g. config errors), 2 usage error.`;

export function helpText(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Architect — operator console for AI coding agents in tmux\n\nUsage: architect COMMAND [options]\n\nCommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}\n`;
}

export async function main(argv: string[], io: Pick<CliContext, 'stdout' | 'stderr'> = process, interrupted?: Promise<void>): Promise<number> {
  const commands = registry();
  let parsed: ReturnType<typeof parseGlobals>;
  try {
    parsed = parseGlobals(argv);
  } catch (err) {
    io.stderr.write(`architect: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const [name, ...args] = parsed.rest;
  if (name === undefined || name === '-h' || name === '--help' || (name === 'help' && args.length === 0)) {
    io.stdout.write(helpText(commands));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`architect ${version()}\n`);
    return EXIT_OK;
  }
  const lookup = name === 'help' ? args[0] : name;
  const command = commands.find((c) => c.name === lookup);
  if (!command) {
    const hint = nearest(lookup ?? '', commands.map((c) => c.name));
    const shown = (lookup ?? '').length > 50 ? `${(lookup ?? '').slice(0, 50)}…` : lookup;
    io.stderr.write(`architect: unknown command "${shown}"${hint ? ` (did you mean "${hint}"?)` : ''}. Run "architect --help".\n`);
    return EXIT_USAGE;
  }
  if (name === 'help' || args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return EXIT_OK;
  }
  const dbUrl = parsed.globals.dbUrl;
  if (dbUrl && !command.postgres?.accepts(args)) {
    // Never quietly the SQLite file when a PostgreSQL database was asked for.
    const runs = commands.flatMap((c) => c.postgres?.runs ?? []).map((r) => `architect ${r}`);
    io.stderr.write(
      `architect ${command.name}: ${dbUrl.display}: this command does not run on PostgreSQL yet (what does: ${runs.join(', ')}); ` +
        'give a SQLite file with --db FILE meanwhile, or use `architect db migrate-to` to move one to PostgreSQL\n',
    );
    return EXIT_USAGE;
  }
  const ctx: CliContext = {
    globals: parsed.globals,
    stdout: io.stdout,
    stderr: io.stderr,
    interrupted: interrupted ?? new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
  };
  try {
    return await command.run(args, ctx);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      io.stderr.write(`architect ${command.name}: ${(err as Error).message}\n\nUsage: ${command.usage}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`architect ${command.name}: ${(err as Error).message ?? String(err)}\n`);
    return EXIT_PROBLEM;
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function nearest(word: string, candidates: string[]): string | null {
  if (word.length > 50) return null; // an edit distance against a megabyte is work for nothing
  let best: string | null = null;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

// Run when executed directly (bin/architect.js imports the built file and calls main).
const isEntry = process.argv[1] && /cli[\\/]index\.ts$/.test(process.argv[1]);
if (isEntry) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
