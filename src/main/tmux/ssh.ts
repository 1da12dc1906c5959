import os from 'node:os';
import path from 'node:path';
import { shellCommand } from './shell-quote.js';

/** How to reach a machine that runs tmux: the system `ssh`, so ssh_config, agents and keys all apply. */
export interface SshTarget {
  /** What `ssh` connects to: `user@host` or a Host from ssh_config. Never starts with `-`. */
  host: string;
  port?: number;
  identityFile?: string;
  /** An ssh_config file used instead of ~/.ssh/config (`ssh -F`): known hosts, ProxyJump, … for this host. */
  configFile?: string;
  /** Where the shared connection's socket lives (`ssh-%C` inside it); a private temp folder when absent. */
  controlDir?: string;
}

/**
 * Keeps the shared master connection this long after its last user: a 5 s scan reuses
 * it, and a console that stops watching leaves no ssh behind for long.
 */
const CONTROL_PERSIST_S = 60;
/** An unreachable host fails a scan in seconds, not the TCP default of minutes. */
const CONNECT_TIMEOUT_S = 5;
/**
 * A link that hangs (a host gone silent, a dropped route) is noticed by the shared
 * connection within ALIVE_INTERVAL_S × ALIVE_COUNT_MAX s: it then exits, every command
 * over it fails at once, and the next call dials again. Without this a silent link
 * holds every command until TCP gives up, many minutes later.
 */
const ALIVE_INTERVAL_S = 5;
const ALIVE_COUNT_MAX = 3;

/** The folder for control sockets when none is configured: per user, so no one else can use ours. */
export function defaultControlDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `architect-ssh-${uid}`);
}

/**
 * The arguments of one `ssh` call running `remote` (an argv, quoted here) on the target.
 * Every call shares one connection per host (ControlMaster): a scan, a screen read
 * or a control client costs a channel, not a handshake. BatchMode: never a password
 * prompt that nobody can see.
 */
export function sshArgs(target: SshTarget, remote: readonly string[] | { raw: string }, opts: { tty?: boolean } = {}): string[] {
  if (target.host.startsWith('-')) throw new Error(`ssh host ${JSON.stringify(target.host)} cannot start with "-"`);
  const controlDir = target.controlDir ?? defaultControlDir();
  return [
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${path.join(controlDir, 'ssh-%C')}`,
    '-o', `ControlPersist=${CONTROL_PERSIST_S}`,
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    '-o', `ServerAliveInterval=${ALIVE_INTERVAL_S}`,
    '-o', `ServerAliveCountMax=${ALIVE_COUNT_MAX}`,
    ...(target.configFile ? ['-F', target.configFile] : []),
    ...(target.port !== undefined ? ['-p', String(target.port)] : []),
    ...(target.identityFile ? ['-i', target.identityFile] : []),
    opts.tty ? '-t' : '-T',
    '--',
    target.host,
    'raw' in remote ? remote.raw : shellCommand(remote),
  ];
}
