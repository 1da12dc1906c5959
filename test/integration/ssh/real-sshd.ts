import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { shellCommand } from '../../../src/main/tmux/shell-quote.js';
import { pollUntil } from '../../support/poll.js';
import { freePort } from '../../support/ports.js';

// A real OpenSSH server for the remote-host tests: Debian's /usr/sbin/sshd started in
// the foreground (-D) as our child on a free loopback port, with a host key, a client
// key, its own sshd_config, known_hosts and ssh_config, all in one temp folder. The
// system's sshd, ~/.ssh and the default tmux server are never touched. The "remote"
// user is whoever runs the tests (root on CI, or a normal user).

export const SSHD = '/usr/sbin/sshd';
/** Why the remote-host tests cannot run here, or null when they can. */
export function sshdMissing(): string | null {
  if (!fs.existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the ssh client is not installed (apt-get install openssh-client)';
  }
  return null;
}

/** Privilege separation: sshd started by root insists on this empty folder (Debian's service creates it at boot). */
const PRIVSEP_DIR = '/run/sshd';
/** Under load a handshake can take seconds; everything here waits for conditions, never for a time. */
const WAIT_MS = 30_000;

export class RealSshd {
  readonly dir: string;
  readonly user = os.userInfo().username;
  /** What `ssh` connects to (servers.yaml `host`). */
  readonly host: string;
  readonly port: number;
  /** The client key (servers.yaml `identity_file`). */
  readonly identityFile: string;
  /** Known hosts, strict checking: the client side (servers.yaml `ssh_config`, i.e. `ssh -F`). */
  readonly sshConfig: string;
  /** First on the PATH of every remote command (sshd's SetEnv): where the remote host's programs go. */
  readonly remoteBin: string;
  private readonly sshdConfig: string;
  private readonly logFile: string;
  private child: ChildProcess | null = null;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.host = `${this.user}@127.0.0.1`;
    this.identityFile = path.join(dir, 'client_key');
    this.sshConfig = path.join(dir, 'ssh_config');
    this.sshdConfig = path.join(dir, 'sshd_config');
    this.logFile = path.join(dir, 'sshd.log');
    this.remoteBin = path.join(dir, 'remote-bin');
  }

  /** Keys and configs in a new temp folder, then sshd listening. */
  static async start(): Promise<RealSshd> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-sshd-'));
    const sshd = new RealSshd(dir, await freePort());
    sshd.writeFiles();
    await sshd.listen();
    return sshd;
  }

  /** The log sshd wrote (for a failing test's message). */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /** Runs an argv on the remote host over its own (unshared) connection: the test's setup, not the product's. */
  run(argv: readonly string[], opts: { input?: string } = {}): string {
    return execFileSync('ssh', ['-F', this.sshConfig, '-p', String(this.port), '-i', this.identityFile, '-T', '--', this.host, shellCommand(argv)], {
      encoding: 'utf8',
      input: opts.input,
      timeout: WAIT_MS,
    });
  }

  /** Connections sshd serves now: each is a child of the listener (privileged monitor or, as a normal user, the session). */
  connections(): number {
    return this.child?.pid ? childrenOf(this.child.pid).length : 0;
  }

  /** The link dies: the listener and every connection it serves are killed, as when the host goes down. */
  async drop(): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return;
    const exited = new Promise((r) => this.child!.once('exit', r));
    // Stopped first, so that nothing forks or hands a child over to init while we collect.
    this.freeze();
    for (const p of [pid, ...descendantsOf(pid)]) signal(p, 'SIGKILL');
    await exited;
    this.child = null;
  }

  /** The link hangs (packets dropped): the listener and its connections stop answering, sockets stay open. */
  freeze(): void {
    const pid = this.child?.pid;
    if (!pid) return;
    signal(pid, 'SIGSTOP'); // no new connection forks while the rest are collected
    for (const p of descendantsOf(pid)) signal(p, 'SIGSTOP');
  }

  thaw(): void {
    const pid = this.child?.pid;
    if (pid) for (const p of [pid, ...descendantsOf(pid)]) signal(p, 'SIGCONT');
  }

  /** Back on the same port (after `drop`). */
  async restart(): Promise<void> {
    if (!this.child) await this.listen();
  }

  /** Stops sshd and everything it serves, and removes the folder. */
  async stop(): Promise<void> {
    this.thaw();
    await this.drop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private writeFiles(): void {
    fs.mkdirSync(this.remoteBin);
    const key = (file: string, comment: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path.join(this.dir, file)]);
    key('host_key', 'architect-test-host');
    key('client_key', 'architect-test-client');
    const authorized = path.join(this.dir, 'authorized_keys');
    fs.copyFileSync(`${this.identityFile}.pub`, authorized);
    fs.chmodSync(authorized, 0o600);
    const hostKey = fs.readFileSync(path.join(this.dir, 'host_key.pub'), 'utf8').trim();
    const knownHosts = path.join(this.dir, 'known_hosts');
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${this.port} ${hostKey}\n`);
    fs.writeFileSync(this.sshdConfig, [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(this.dir, 'host_key')}`,
      `PidFile ${path.join(this.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      // The temp folder sits in world-writable /tmp, which StrictModes would refuse.
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${this.user}`,
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'PrintMotd no',
      // The remote PATH starts with remoteBin. SHLVL=1: bash then skips ~/.bashrc for
      // ssh commands (it sources it only at level 1), so the tests do not depend on the
      // user's rc files — a pyenv or nvm set-up there costs seconds per command, a
      // minute under load. A real host's start-up cost is the operator's (README).
      `SetEnv PATH=${this.remoteBin}:/usr/local/bin:/usr/bin:/bin SHLVL=1`,
      'LogLevel VERBOSE',
      '',
    ].join('\n'));
    fs.writeFileSync(this.sshConfig, [
      'Host *',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  IdentitiesOnly yes',
      '  PasswordAuthentication no',
      '  LogLevel ERROR',
      '',
    ].join('\n'));
  }

  private async listen(): Promise<void> {
    if (process.getuid?.() === 0 && !fs.existsSync(PRIVSEP_DIR)) fs.mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
    const log = fs.openSync(this.logFile, 'a');
    // An absolute path: sshd re-executes itself for every connection.
    const child = spawn(SSHD, ['-D', '-e', '-f', this.sshdConfig], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.child = child;
    let exit: string | null = null;
    child.once('exit', (code, sig) => (exit = `sshd exited (${sig ?? code})`));
    await pollUntil(`sshd listening on 127.0.0.1:${this.port}`, async () => {
      if (exit) throw new Error(`${exit}:\n${this.log()}`);
      return accepts(this.port);
    }, { limitMs: WAIT_MS, intervalMs: 50 });
  }
}


function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function ppidOf(pid: number): number | null {
  try {
    // The name (field 2) may hold spaces and parentheses: fields after the last ")".
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => ppidOf(p) === pid);
}

/** Every process below `pid` (ours: sshd's connections and the sessions they run). */
function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const kids = childrenOf(queue.shift()!);
    out.push(...kids);
    queue.push(...kids);
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
