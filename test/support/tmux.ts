import { execFileSync } from 'node:child_process';
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
 * A private tmux server for one test file (`tmux -L test-…`). Only this server is
 * ever killed; the user's default server is never touched.
 */
export class PrivateTmux {
  readonly socket = testSocket();
  /** The server's pid, learnt when the first session starts: kill() ends it even when kill-server cannot reach it under load. */
  private serverPid = 0;

  run(...args: string[]): string {
    return execFileSync('tmux', ['-u', '-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Starts a detached session running `command` (argv, no shell). Returns its first pane id. */
  newSession(name: string, command: string[] = [], opts: { cwd?: string; width?: number; height?: number; env?: Record<string, string> } = {}): string {
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const out = this.run(
      'new-session', '-d', '-P', '-F', '#{pane_id}', '-s', name,
      '-x', String(opts.width ?? 120), '-y', String(opts.height ?? 40),
      ...(opts.cwd ? ['-c', opts.cwd] : []), ...env, ...command,
    );
    if (this.serverPid === 0) this.serverPid = Number(this.run('display-message', '-p', '#{pid}').trim());
    return out.trim();
  }

  kill(): void {
    killTestServer(this.socket);
    if (this.serverPid > 0) {
      try {
        process.kill(this.serverPid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
      this.serverPid = 0;
    }
  }
}
