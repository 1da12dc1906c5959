import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

/**
 * A private tmux server for one test file (`tmux -L test-…`). Only this server is
 * ever killed; the user's default server is never touched.
 */
export class PrivateTmux {
  readonly socket = `test-${crypto.randomBytes(4).toString('hex')}`;

  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
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

  kill(): void {
    try {
      execFileSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
