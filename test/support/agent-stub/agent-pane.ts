import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import type { Screen } from '../../../src/main/sessions/classify.js';
import type { AgentLaunch } from './agent-launch.js';
import { killTestServer, testSocket } from '../tmux.js';

const run = promisify(execFile);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polling step while waiting for a screen: fast enough to catch a 1 s working phase. */
const POLL_MS = 150;

/**
 * A private tmux server (`tmux -L test-capture-…`) running real agent CLIs. Async
 * throughout, because the model stub answers from the same event loop. `stop()`
 * collects every pane's process tree before killing the server and then ends those
 * processes by PID: Gemini CLI (and Codex's daemon, were it started) outlive
 * `kill-server`.
 */
export class AgentTmux {
  readonly socket = testSocket('capture');

  /** `-u` as Architect does: without it, where there is no UTF-8 locale (CI has no LANG), titles read ◇ as `_`. */
  async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-u', '-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    return stdout;
  }

  /** Starts the agent in a new session; returns the pane id. */
  async start(name: string, launch: AgentLaunch, size = { width: 120, height: 40 }): Promise<string> {
    const env = Object.entries(launch.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const out = await this.tmux('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', name, '-x', String(size.width), '-y', String(size.height), '-c', launch.cwd, ...env, ...launch.argv);
    return out.trim();
  }

  async screen(pane: string): Promise<Screen & { text: string }> {
    const text = await this.tmux('capture-pane', '-p', '-J', '-t', pane);
    const title = (await this.tmux('display-message', '-p', '-t', pane, '#{pane_title}')).replace(/\n$/, '');
    return { text, lines: text.split('\n'), title };
  }

  /** Types a prompt like a user (literal keys), then Enter. */
  async type(pane: string, text: string): Promise<void> {
    await this.tmux('send-keys', '-t', pane, '-l', text);
    await sleep(300);
    await this.tmux('send-keys', '-t', pane, 'Enter');
  }

  async keys(pane: string, ...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', pane, ...keys);
  }

  /** Polls the screen until `test` holds; throws with the last screen after `timeoutMs`. */
  async waitFor(pane: string, what: string, test: (s: Screen & { text: string }) => boolean, timeoutMs = 30_000): Promise<Screen & { text: string }> {
    const deadline = Date.now() + timeoutMs;
    let last: Screen & { text: string } = { text: '', lines: [], title: '' };
    while (Date.now() < deadline) {
      last = await this.screen(pane);
      if (test(last)) return last;
      await sleep(POLL_MS);
    }
    throw new Error(`${this.socket} ${pane}: timed out waiting for ${what}; title "${last.title}", screen:\n${last.text}`);
  }

  async stop(): Promise<void> {
    let pids: number[] = [];
    try {
      const panePids = (await this.tmux('list-panes', '-a', '-F', '#{pane_pid}')).split('\n').filter(Boolean).map(Number);
      pids = panePids.flatMap((p) => processTree(p));
    } catch {
      // no server
    }
    killTestServer(this.socket);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already exited
      }
    }
  }
}

/** `pid` and all its descendants, from /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}
