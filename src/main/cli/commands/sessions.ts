import { parseArgs } from 'node:util';
import type { Session } from '../../../shared/api.js';
import { hooksFilePath } from '../../hooks/events.js';
import { SessionMonitor } from '../../sessions/monitor.js';
import { watchedServers } from '../../tmux/server.js';
import { serversToWatch, sshControlDir } from '../../tmux/watched-servers.js';
import { EXIT_OK, UsageError, type CliCommand, type CliContext } from '../command.js';
import { cliConfig } from '../config.js';

/**
 * The monitor the CLI commands use, on the same layered config as the console:
 * agents.yaml with its environment and local overrides, and the servers of
 * --tmux-socket plus servers.yaml. A config that does not validate is reported, not
 * half-used.
 */
export function cliMonitor(ctx: CliContext): SessionMonitor {
  const snapshot = cliConfig(ctx);
  const agents = snapshot.agents;
  if (!agents) throw new Error(`the config in ${ctx.globals.configDir} has no agents.yaml (base/agents.yaml, or an agents: section in an override): agent panes cannot be recognised`);
  const base = watchedServers(ctx.globals.tmuxSockets, ctx.globals.watchDefaultTmux);
  const servers = serversToWatch(base, snapshot.servers ?? null, sshControlDir(ctx.globals.dataDir)).servers;
  if (servers.length === 0) throw new UsageError('no tmux server to watch: --no-default-tmux needs at least one --tmux-socket NAME (or servers in servers.yaml)');
  return new SessionMonitor({ servers, agents, hooksFile: ctx.globals.dataDir ? hooksFilePath(ctx.globals.dataDir) : null });
}

export function parseStrict<T extends Parameters<typeof parseArgs>[0]>(config: T, usage: string) {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`);
  }
}

const USAGE = `Usage: architect sessions [--json] [--watch] [--tmux-socket NAME]… [--no-default-tmux]
  Lists every tmux pane of the watched servers (the default one unless --no-default-tmux
  or ARCHITECT_DEFAULT_TMUX=0, plus each --tmux-socket), the agent in it and its state.
  --json    print the sessions as JSON (one array; with --watch, one JSON line per change)
  --watch   keep running and print each state change as it happens (Ctrl-C stops)`;

export const sessionsCommand: CliCommand = {
  name: 'sessions',
  summary: 'List agent sessions in tmux and their state',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseStrict({ args, options: { json: { type: 'boolean' }, watch: { type: 'boolean' } }, allowPositionals: true }, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n${USAGE}`);
    const json = Boolean(values.json) || ctx.globals.json;
    const monitor = cliMonitor(ctx);
    const stop = await monitor.start();
    try {
      const sessions = monitor.list();
      ctx.stdout.write(json && !values.watch ? JSON.stringify(sessions, null, 2) + '\n' : formatTable(sessions));
      if (!values.watch) return EXIT_OK;
      const unsubscribe = monitor.onChange((_all, transitions) => {
        for (const t of transitions) {
          ctx.stdout.write(json ? JSON.stringify(t) + '\n' : `${t.at.slice(11, 23)}  ${t.sessionId.padEnd(20)} ${t.name.padEnd(18)} ${t.agent.padEnd(8)} ${t.from} → ${t.to}${t.reason ? `  (${t.reason})` : ''}\n`);
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

export function formatTable(sessions: Session[]): string {
  if (sessions.length === 0) return 'No tmux panes found (is tmux running? use --tmux-socket NAME for other servers)\n';
  const rows = [['NAME', 'AGENT', 'STATE', 'REASON', 'PANE', 'COMMAND'], ...sessions.map((s) => [s.name + (s.excluded ? ' (excluded)' : ''), s.agent, s.state, s.reason ?? '', `${s.server}:${s.paneId}`, s.command])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
