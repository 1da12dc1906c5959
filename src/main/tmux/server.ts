import fs from 'node:fs';
import { runSpawned } from './spawner.js';
import { defaultControlDir, sshArgs, type SshTarget } from './ssh.js';

/** A tmux server: the default one, one started with `tmux -L NAME`, or either on another machine over ssh. */
export interface TmuxServer {
  /** How sessions name it: `default`, the socket name, or the configured ssh host name. */
  name: string;
  /** The `-L` socket name, or null for the (remote) default server. */
  socket: string | null;
  /** Set when tmux runs on another machine: every tmux command goes through `ssh`. */
  ssh?: SshTarget;
  /**
   * What a local server's session names carry before `:`, when they carry anything:
   * `socket` for a local server other than the first one watched (`b:w1`, as a remote
   * host's are `host:w1`), and on a shared queue `HOST` for the default server and
   * `socket@HOST` for a `-L socket` one (`HOST:w1`, `b@HOST:w1`), so that no two panes,
   * on one machine or on two, carry one name. Set by namedServers(), never by hand.
   */
  qualifier?: string;
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

/**
 * tmux's own arguments (UTF-8, the socket), without the program. `-u`: in a locale
 * that is not UTF-8 (cron, systemd, an ssh session without LANG, a bare container)
 * tmux would print the \x1f separators of `list-panes -F` as `_` — no pane would
 * parse — and agents' ❯ and ✳ as `_` too.
 */
export function tmuxArgs(server: TmuxServer, args: readonly string[]): string[] {
  return server.socket === null ? ['-u', ...args] : ['-u', '-L', server.socket, ...args];
}

/** Same server: same name, socket, ssh target and naming (a config reload that changed nothing keeps its object). */
export function sameServer(a: TmuxServer, b: TmuxServer): boolean {
  return a.name === b.name && a.socket === b.socket && a.qualifier === b.qualifier && JSON.stringify(a.ssh ?? null) === JSON.stringify(b.ssh ?? null);
}

/**
 * The watched servers with their naming decided. Alone (no `host`): the first local
 * server (the default one, or the first `--tmux-socket` when the default is not
 * watched) keeps its sessions' plain names; every other local server names them
 * `socket:session`. Two local servers each with a `w1` are then `w1` and `b:w1`, never
 * one name for two panes. On a shared queue (`host`: this machine's name, queueHostName)
 * the name depends on the server alone, not on what else this console watches: the
 * default server's are `HOST:session` and a `-L b` server's `b@HOST:session`. Another
 * machine's console, or a console on this machine watching another tmux server, has its
 * own `w1`, which must not be this one's to the queue; two consoles watching the same
 * server name its sessions alike. Remote servers keep `host:session` either way.
 */
export function namedServers(servers: readonly TmuxServer[], host?: string): TmuxServer[] {
  let firstLocal = true;
  return servers.map((s) => {
    if (s.ssh) return s;
    const alone = firstLocal ? undefined : s.name;
    const qualifier = host === undefined ? alone : s.socket === null ? host : `${s.socket}@${host}`;
    firstLocal = false;
    if (qualifier === s.qualifier) return s;
    const { qualifier: _drop, ...plain } = s;
    return qualifier === undefined ? plain : { ...plain, qualifier };
  });
}

/**
 * The program and arguments that run one tmux command on a server: `tmux …` here, or
 * `ssh … -- HOST 'tmux' '…'` (each argument quoted for the remote shell). `tty` asks
 * ssh for a terminal (a live viewer); without it ssh's stdin/stdout are plain pipes.
 *
 * Always `-u` (see tmuxArgs): over ssh the login usually has no UTF-8 locale either
 * (sshd passes LANG only where AcceptEnv allows).
 */
export function tmuxCommand(server: TmuxServer, args: readonly string[], opts: { tty?: boolean } = {}): { file: string; args: string[] } {
  const argv = tmuxArgs(server, args);
  if (!server.ssh) return { file: 'tmux', args: argv };
  return { file: 'ssh', args: sshArgs(withControlDir(server.ssh), ['tmux', ...argv], opts) };
}

const madeControlDirs = new Set<string>();

/** The target with its control-socket folder created (0700: the socket is a logged-in connection). */
export function withControlDir(target: SshTarget): SshTarget {
  const dir = target.controlDir ?? defaultControlDir();
  if (!madeControlDirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    madeControlDirs.add(dir);
  }
  return { ...target, controlDir: dir };
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
/** A command that takes longer is stuck (a dead socket, a hung connection); ssh's own connect timeout is shorter. */
export const TMUX_TIMEOUT_MS = 15_000;

export interface RunOptions {
  /** Written to the command's stdin (e.g. `load-buffer -`): data, never a shell word. */
  stdin?: string;
  timeoutMs?: number;
  /** The directory the program starts in (the console's own when absent). */
  cwd?: string;
}

/**
 * Runs one tmux command with an argument array, locally or over ssh: pane text never
 * goes near a local shell, and over ssh every argument is quoted for the remote one.
 */
export function runTmux(server: TmuxServer, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const { file, args: argv } = tmuxCommand(server, args);
  return runProgram(file, argv, opts).catch((err: RunError) => {
    const detail = err.detail;
    // 255 is ssh's own failure (unreachable, refused key), whatever its message says: not a stopped tmux.
    if (server.ssh && err.code === SSH_FAILED) throw new Error(`cannot reach tmux server "${server.name}" over ssh to ${server.ssh.host}: ${detail}`);
    if (NOT_RUNNING.test(detail)) throw new TmuxNotRunning(server, detail);
    const where = server.ssh ? `server "${server.name}" (over ssh to ${server.ssh.host})` : `server "${server.name}"`;
    throw new Error(`tmux ${tmuxArgs(server, args).join(' ')} failed on ${where}: ${detail}`);
  });
}

/** The exit status ssh uses for its own errors (the remote command's status otherwise). */
const SSH_FAILED = 255;

export class RunError extends Error {
  constructor(readonly detail: string, readonly code: number | null = null) {
    super(detail);
  }
}

/**
 * Spawns a program (no shell), feeds stdin, collects stdout; rejects with stderr on
 * failure. In the console it is forked by the small spawn helper, not by the console
 * (spawner.ts says why); elsewhere here, under the same rules.
 */
export function runProgram(file: string, argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  return runSpawned({ file, argv, cwd: opts.cwd, stdin: opts.stdin, timeoutMs: opts.timeoutMs ?? TMUX_TIMEOUT_MS, maxBytes: MAX_OUTPUT_BYTES }).then(
    (r) => {
      if ('error' in r) throw new RunError(`cannot run ${file}: ${r.error}`);
      if (r.code === 0 && r.killed === null) return r.stdout;
      // It ended on its own once its pipes were cut (too much output, or a process it
      // started held them past its time): whatever its code, its answer is cut short.
      if (r.killed !== null && r.signal === null) {
        throw new RunError(`${file} exited ${r.code} after its output was cut off (${r.killed === 'timeout' ? 'still open at its time limit' : 'too much output'})`, r.code);
      }
      throw new RunError(r.stderr.trim() || exitReason(r.code, r.signal), r.code);
    },
    (err: Error) => {
      throw new RunError(`cannot run ${file}: ${err.message}`);
    },
  );
}

function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}${signal === 'SIGTERM' ? ' (timed out or too much output)' : ''}` : `exit ${code}`;
}
