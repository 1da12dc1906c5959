import { parseArgs } from 'node:util';
import type { Session } from '../../../shared/api.js';
import { appendHookEvent, hooksFilePath } from '../../hooks/events.js';
import { OPERATOR_CLEAR, SessionMonitor } from '../../sessions/monitor.js';
import { globalsQueueHost } from '../../tmux/host-name.js';
import { watchedServers } from '../../tmux/server.js';
import { serversToWatch, sshControlDir } from '../../tmux/watched-servers.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';
import type { ConfigSnapshot } from '../../config/snapshot.js';
import { cliConfig } from '../config.js';

/**
 * The monitor the CLI commands use, on the same layered config as the console:
 * agents.yaml with its environment and local overrides, and the servers of
 * --tmux-socket plus servers.yaml. A config that does not validate is reported, not
 * half-used.
 */
export function cliMonitor(ctx: CliContext, snapshot: ConfigSnapshot = cliConfig(ctx)): SessionMonitor {
  const agents = snapshot.agents;
  if (!agents) throw new Error(`the config in ${ctx.globals.configDir} has no agents.yaml (base/agents.yaml, or an agents: section in an override): agent panes cannot be recognised`);
  const base = watchedServers(ctx.globals.tmuxSockets, ctx.globals.watchDefaultTmux);
  const servers = serversToWatch(base, snapshot.servers ?? null, sshControlDir(ctx.globals.dataDir)).servers;
  if (servers.length === 0) throw new UsageError('no tmux server to watch: --no-default-tmux needs at least one --tmux-socket NAME (or servers in servers.yaml)');
  // On a shared queue the names are the queue's (`HOST:w1`), as the consoles there have them.
  return new SessionMonitor({ servers, agents, hooksFile: ctx.globals.dataDir ? hooksFilePath(ctx.globals.dataDir) : null, host: globalsQueueHost(ctx.globals) });
}

export function parseStrict<T extends Parameters<typeof parseArgs>[0]>(config: T, usage: string) {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`);
  }
}

const USAGE = `Usage: architect sessions [--json] [--watch] [--tmux-socket NAME]… [--no-default-tmux]
       architect sessions clear SESSION
  Lists every tmux pane of the watched servers (the default one unless --no-default-tmux
  or ARCHITECT_DEFAULT_TMUX=0, plus each --tmux-socket), the agent in it and its state.
  With --db postgres://… (a shared queue) the names are the queue's: HOST:w1 (this
  machine's name: ARCHITECT_HOST_NAME or the short host name).
  --json    print the sessions as JSON (one array). With --watch: JSON lines only, the
            first {"type":"snapshot","sessions":[…]}, then {"type":"change",…} per change
  --watch   keep running and print each state change as it happens (Ctrl-C stops)
  clear     the operator has seen SESSION's error: it reads idle (reason "cleared") until
            its screen moves on (the next turn, another error). SESSION is a name, an
            id (server:%12) or a pane id.`;

export const sessionsCommand: CliCommand = {
  name: 'sessions',
  summary: 'List agent sessions in tmux and their state; clear an error',
  usage: USAGE,
  // No database is read: on a shared queue the sessions are listed by the names they carry there (`HOST:w1`).
  postgres: { runs: ['sessions'], accepts: () => true },
  async run(args, ctx) {
    const { values, positionals } = parseStrict({ args, options: { json: { type: 'boolean' }, watch: { type: 'boolean' } }, allowPositionals: true }, USAGE);
    if (positionals[0] === 'clear') return clearError(positionals.slice(1), ctx);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n${USAGE}`);
    const json = Boolean(values.json) || ctx.globals.json;
    const monitor = cliMonitor(ctx);
    const stop = await monitor.start();
    try {
      const sessions = monitor.list();
      if (!values.watch) {
        ctx.stdout.write(json ? JSON.stringify(sessions, null, 2) + '\n' : formatTable(sessions));
        return EXIT_OK;
      }
      // Scripts read --watch --json line by line: every line is one JSON object.
      ctx.stdout.write(json ? JSON.stringify({ type: 'snapshot', at: new Date().toISOString(), sessions }) + '\n' : formatTable(sessions));
      const unsubscribe = monitor.onChange((all, transitions) => {
        for (const t of transitions) {
          const session = all.find((x) => x.id === t.sessionId) ?? null;
          ctx.stdout.write(
            json
              ? JSON.stringify({ type: 'change', ...t, detail: session?.detail ?? null, session }) + '\n'
              : `${t.at.slice(11, 23)}  ${t.sessionId.padEnd(20)} ${t.name.padEnd(18)} ${t.agent.padEnd(8)} ${t.from} → ${t.to}${t.reason ? `  (${t.reason})` : ''}${session?.detail?.message && session.state === t.to ? `  ${session.detail.message}` : ''}\n`,
          );
        }
      });
      await ctx.interrupted;
      unsubscribe();
      return EXIT_OK;
    } finally {
      stop();
    }
  },
};

/**
 * Finds a session by name, id (`server:%12`), pane id (`%12`) or, when only one
 * session has it, tmux session name (`w1` for `b:w1`); null when none. Two servers'
 * `%3` or `w1` are two panes: an ambiguous ref finds neither.
 */
export function findSession(sessions: Session[], ref: string): Session | null {
  const only = (found: Session[]): Session | null => (found.length === 1 ? found[0]! : null);
  return sessions.find((s) => s.name === ref || s.id === ref) ?? only(sessions.filter((s) => s.paneId === ref)) ?? only(sessions.filter((s) => s.session === ref));
}

async function clearError(rest: string[], ctx: CliContext): Promise<number> {
  if (rest.length !== 1) throw new UsageError(`sessions clear takes one SESSION\n${USAGE}`);
  const ref = rest[0]!;
  const monitor = cliMonitor(ctx);
  const stop = await monitor.start();
  try {
    const session = findSession(monitor.list(), ref);
    if (!session) throw new UsageError(`no session "${ref}" on ${monitor.watched.map((s) => s.name).join(', ')} (architect sessions lists them)`);
    if (session.state !== 'error') {
      ctx.stderr.write(`architect sessions clear: ${session.name} is ${session.state}, not error: nothing to clear\n`);
      return EXIT_PROBLEM;
    }
    if (session.detail?.kind === 'limit' && session.detail.resetAt && Date.parse(session.detail.resetAt) > Date.now()) {
      ctx.stderr.write(`architect sessions clear: ${session.name} is at a usage limit until ${session.detail.resetAt}: a limit is not cleared before it resets\n`);
      return EXIT_PROBLEM;
    }
    // Stored for consoles started later (until the screen moves on); the hook event
    // reaches the consoles running now at once.
    const stored = monitor.recordClear(session.id) !== null;
    appendHookEvent(ctx.globals.dataDir, {
      at: new Date().toISOString(),
      agent: session.agent,
      state: 'idle',
      reason: 'cleared',
      event: OPERATOR_CLEAR,
      server: session.server,
      pane: session.paneId,
    });
    ctx.stdout.write(`${session.name}: error cleared (${session.detail?.message ?? session.reason ?? 'error'}); it reads idle until its screen moves on${stored ? '' : ' (not stored: its screen shows no error, so only consoles running now see the clear)'}\n`);
    return EXIT_OK;
  } finally {
    stop();
  }
}

export function formatTable(sessions: Session[]): string {
  if (sessions.length === 0) return 'No tmux panes found (is tmux running? use --tmux-socket NAME for other servers)\n';
  const rows = [['NAME', 'AGENT', 'STATE', 'REASON', 'PANE', 'COMMAND'], ...sessions.map((s) => [s.name + (s.excluded ? ' (excluded)' : ''), s.agent, s.state, s.reason ?? '', `${s.server}:${s.paneId}`, s.command])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
