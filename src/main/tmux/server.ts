import { execFile } from 'node:child_process';

/** A tmux server: the default one, or one started with `tmux -L NAME`. */
export interface TmuxServer {
  /** How sessions name it: `default` or the socket name. */
  name: string;
  /** The `-L` socket name, or null for the default server. */
  socket: string | null;
}

export const DEFAULT_SERVER: TmuxServer = { name: 'default', socket: null };

export function tmuxServer(socket: string | null): TmuxServer {
  return socket === null || socket === 'default' ? DEFAULT_SERVER : { name: socket, socket };
}

/** Servers to watch: the default one (unless told not to) plus every `--tmux-socket`, without duplicates. */
export function watchedServers(sockets: readonly string[], watchDefault = true): TmuxServer[] {
  const named = [...new Set(sockets)].filter((s) => s !== 'default').map((s) => tmuxServer(s));
  return watchDefault ? [DEFAULT_SERVER, ...named] : named;
}

export function tmuxArgs(server: TmuxServer, args: readonly string[]): string[] {
  return server.socket === null ? [...args] : ['-L', server.socket, ...args];
}

/** No tmux server is listening on that socket (not an error: it may start later). */
export class TmuxNotRunning extends Error {
  constructor(server: TmuxServer, detail: string) {
    super(`tmux server "${server.name}" is not running (${detail})`);
  }
}

const NOT_RUNNING = /no server running|error connecting to|No such file or directory|server exited/i;
/** Enough for list-panes on a few thousand panes. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Runs one tmux command with an argument array: pane text never goes near a shell. */
export function runTmux(server: TmuxServer, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tmux', tmuxArgs(server, args), { maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const detail = (stderr || err.message).trim();
      if (NOT_RUNNING.test(detail)) return reject(new TmuxNotRunning(server, detail));
      reject(new Error(`tmux ${tmuxArgs(server, args).join(' ')} failed on server "${server.name}": ${detail}`));
    });
  });
}
