import os from 'node:os';
import path from 'node:path';
import { defaultControlDir } from './ssh.js';
import { tmuxServer, type TmuxServer } from './server.js';

/** What servers.yaml says, in the shape this module needs (the config schema is the reference). */
export interface ServersConfig {
  tmux_sockets: readonly string[];
  ssh_hosts: ReadonlyArray<{ name: string; host: string; port?: number | null; tmux_socket?: string | null; identity_file?: string | null; ssh_config?: string | null }>;
}

/**
 * A control socket's path must fit a Unix socket address (104 bytes on macOS, 108 on
 * Linux) with `ssh-` + a 40-character %C hash + the 17-character suffix ssh adds
 * while creating it; a longer data folder falls back to a short temp folder.
 */
const MAX_CONTROL_DIR_CHARS = 104 - 1 - 'ssh-'.length - 40 - 17;

/** Where ssh's shared connections live: `<dataDir>/ssh` when short enough, else a private temp folder. */
export function sshControlDir(dataDir: string | null): string {
  const dir = dataDir ? path.join(dataDir, 'ssh') : null;
  return dir && dir.length <= MAX_CONTROL_DIR_CHARS ? dir : defaultControlDir();
}

/**
 * Every server to watch: the command line's (default + `--tmux-socket`) first, then
 * servers.yaml's sockets and ssh hosts. A config name the command line already uses
 * is skipped with a problem (the command line wins; the ids would clash).
 */
export function serversToWatch(base: readonly TmuxServer[], config: ServersConfig | null, controlDir: string): { servers: TmuxServer[]; problems: string[] } {
  const servers = [...base];
  const problems: string[] = [];
  const taken = new Set(servers.map((s) => s.name));
  for (const socket of config?.tmux_sockets ?? []) {
    if (taken.has(socket)) continue; // the same local server, named twice
    taken.add(socket);
    servers.push(tmuxServer(socket));
  }
  for (const h of config?.ssh_hosts ?? []) {
    if (taken.has(h.name)) {
      problems.push(`servers.yaml: ssh host "${h.name}" is skipped: a local tmux server already has that name`);
      continue;
    }
    taken.add(h.name);
    servers.push({
      name: h.name,
      socket: h.tmux_socket ?? null,
      ssh: {
        host: h.host,
        ...(h.port != null ? { port: h.port } : {}),
        ...(h.identity_file ? { identityFile: h.identity_file } : {}),
        // ssh expands ~ in -i itself, but not in -F.
        ...(h.ssh_config ? { configFile: h.ssh_config.startsWith('~/') ? path.join(os.homedir(), h.ssh_config.slice(2)) : h.ssh_config } : {}),
        controlDir,
      },
    });
  }
  return { servers, problems };
}
