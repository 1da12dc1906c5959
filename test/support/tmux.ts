import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RUN_VARIABLE, tmuxSocketDir } from '../../scripts/leftovers.js';

/**
 * A tmux socket name for a test: `test-<run>-<label>-<random>`. The run's id (set
 * by the global set-up, or by `npm test`) lets the end of the run find any server
 * a test left behind, and only this run's (scripts/leftovers.js).
 */
export function testSocket(label = 'tmux'): string {
  return `test-${process.env[RUN_VARIABLE] ?? 'norun'}-${label}-${crypto.randomBytes(3).toString('hex')}`;
}

/** How long kill() waits for the server to go: 50 × 100 ms. */
const KILL_TRIES = 50;
const KILL_RETRY_MS = 100;

/** Kills a test's tmux server and removes its socket file, which tmux 3.3 leaves behind. */
export function killTestServer(socket: string): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  fs.rmSync(path.join(tmuxSocketDir(), socket), { force: true });
}

/**
 * A private tmux server for one test file or bench run (`tmux -L test-…`, or the
 * socket name given). Only this server is ever killed; the user's default server is
 * never touched.
 */
export class PrivateTmux {
  /** The server's pid, learnt when the first session starts: kill() ends it even when kill-server cannot reach it (under load, or tmux 3.3 hanging on its way out with 100 control clients attached). */
  private serverPid = 0;

  constructor(readonly socket = testSocket()) {}

  run(...args: string[]): string {
    const out = execFileSync('tmux', ['-u', '-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (this.serverPid === 0 && args[0] === 'new-session') this.serverPid = Number(execFileSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }).trim());
    return out;
  }

  /** Starts a detached session running `command` (argv, no shell). Returns its first pane id. */
  newSession(name: string, command: string[] = [], opts: { cwd?: string; width?: number; height?: number; env?: Record<string, string> } = {}): string {
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const out = this.run(
      'new-session', '-d', '-P', '-F', '#{pane_id}', '-s', name,
      '-x', String(opts.width ?? 120), '-y', String(opts.height ?? 40),
      ...(opts.cwd ? ['-c', opts.cwd] : []), ...env, ...command,
    );
    return out.trim();
  }

  /** Ends the server (by pid as well) and removes its socket file once no server answers there. */
  kill(): void {
    try {
      execFileSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // gone already
    }
    if (this.serverPid > 0) {
      try {
        process.kill(this.serverPid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
      this.serverPid = 0;
    }
    // kill-server again meanwhile, in case a client (a console's) started a new server on the socket.
    for (let i = 0; i < KILL_TRIES; i++) {
      if (spawnSync('tmux', ['-L', this.socket, 'list-sessions'], { stdio: 'ignore' }).status !== 0) {
        fs.rmSync(path.join(tmuxSocketDir(), this.socket), { force: true });
        return;
      }
      spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, KILL_RETRY_MS);
    }
    process.stderr.write(`the tmux server ${this.socket} would not stop; its socket ${path.join(tmuxSocketDir(), this.socket)} is left\n`);
  }
}
