import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demoCommand } from '../../src/main/cli/commands/demo.js';
import type { CliContext } from '../../src/main/cli/command.js';
import { testSocket } from '../support/tmux.js';
import { tmuxSocketDir } from '../../scripts/leftovers.js';

// `architect demo` end to end: the fleet comes up in its own tmux server, the
// console answers, and Ctrl-C removes the server and the demo's files.

function sessionsOf(socket: string): string[] {
  try {
    return execFileSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').sort();
  } catch {
    return [];
  }
}

describe('architect demo', () => {
  it('starts the fleet and the console, and Ctrl-C removes both', async () => {
    const socket = testSocket('demo-cmd');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-demo-cmd-'));
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (b: Buffer) => (out += b.toString()));
    let interrupt!: () => void;
    const ctx: CliContext = {
      globals: { configDir: path.resolve('config'), dbPath: path.join(dataDir, 'unused.db'), dataDir, env: null, tmuxSockets: [], watchDefaultTmux: false, logLevel: 'error', json: false },
      stdout,
      stderr: new PassThrough(),
      interrupted: new Promise<void>((r) => (interrupt = r)),
    };
    const done = demoCommand.run(['--socket', socket], ctx);
    try {
      const deadline = Date.now() + 20_000;
      while (!/console: (http\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const url = /console: (http\S+)/.exec(out)?.[1];
      expect(url).toBeDefined();
      expect(sessionsOf(socket)).toEqual(['architect', 'claude_comet', 'codex', 'dev_worker1', 'dev_worker2']);
      const health = await fetch(new URL('/healthz', url));
      expect(health.ok).toBe(true);
      const dbPath = /Database: (\S+?)\. /.exec(out)?.[1];
      expect(dbPath && fs.existsSync(dbPath)).toBe(true);

      interrupt();
      expect(await done).toBe(0);
      expect(sessionsOf(socket)).toEqual([]);
      // tmux 3.3 leaves a dead server's socket file behind; the demo removes it.
      expect(fs.existsSync(path.join(tmuxSocketDir(), socket))).toBe(false);
      expect(fs.existsSync(path.dirname(dbPath!))).toBe(false);
      expect(out).toContain('Demo stopped');
    } finally {
      interrupt();
      await done.catch(() => undefined);
      if (sessionsOf(socket).length) execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});
