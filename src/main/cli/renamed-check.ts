import type { ConfigProblem } from '../../shared/api.js';
import type { Locate } from '../config/problems.js';
import { problemAt } from '../config/problems.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { configSessionNames, renamedMessage, renamedSessions } from '../sessions/renamed-sessions.js';
import { sessionName } from '../sessions/tracked-pane.js';
import { globalsQueueHost } from '../tmux/host-name.js';
import { namedServers, runTmux, watchedServers } from '../tmux/server.js';
import { serversToWatch, sshControlDir } from '../tmux/watched-servers.js';
import type { CliContext } from './command.js';

/**
 * `config check`'s warnings: names in the config that meant a session on a second local
 * tmux server, which is now named `socket:session`. Only local servers are asked (one
 * `list-sessions` each, no ssh), and none when only one local server is watched: then
 * nothing was renamed.
 */
export async function renamedSessionWarnings(ctx: CliContext, snapshot: ConfigSnapshot, locate: Locate): Promise<ConfigProblem[]> {
  const base = watchedServers(ctx.globals.tmuxSockets, ctx.globals.watchDefaultTmux);
  const local = namedServers(serversToWatch(base, snapshot.servers ?? null, sshControlDir(ctx.globals.dataDir)).servers, globalsQueueHost(ctx.globals)).filter((s) => !s.ssh);
  if (!local.some((s) => s.qualifier !== undefined)) return [];
  const names = configSessionNames(snapshot);
  if (names.length === 0) return [];
  const sessions = (
    await Promise.all(
      local.map(async (server) => {
        try {
          const out = await runTmux(server, ['list-sessions', '-F', '#{session_name}']);
          return out.split('\n').filter(Boolean).map((s) => ({ name: sessionName(server, s), server: server.name }));
        } catch {
          return []; // not running: nothing there to be renamed
        }
      }),
    )
  ).flat();
  return renamedSessions(names, sessions).map((r) => problemAt(locate(r.file, r.at), renamedMessage(r)));
}
