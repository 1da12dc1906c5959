import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pollUntil } from './poll.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FAKE_AGENT = path.join(import.meta.dirname, 'fake-agent.mjs');

/**
 * The scripted agent (fake-agent.mjs) installed as `<dir>/bin/claude`, so the monitor's
 * process-name detection sees a Claude Code pane. Returns its path; a second call finds it there.
 */
export function installFakeClaude(dir: string): string {
  const bin = path.join(dir, 'bin');
  const claude = path.join(bin, 'claude');
  if (fs.existsSync(claude)) return claude;
  fs.mkdirSync(bin, { recursive: true });
  fs.copyFileSync(FAKE_AGENT, claude);
  fs.chmodSync(claude, 0o755);
  return claude;
}

/** A running `architect serve` child: its port and token (read from the URL it prints) and everything it wrote. */
export interface ServeChild {
  child: ChildProcess;
  port: number;
  token: string;
  /** stdout and stderr so far. */
  output(): string;
  stdout(): string;
  stderr(): string;
}

/**
 * Starts `architect serve --port 0 …args` from the sources and waits for the URL it prints
 * (printing it means the console holds its database). Fails with its output if it exits first.
 */
export async function spawnServe(what: string, args: string[], env: Record<string, string>, limitMs = 90_000): Promise<ServeChild> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'architect.js'), 'serve', '--port', '0', ...args], {
    env: { ...process.env, ARCHITECT_FROM_SOURCE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const m = await pollUntil(`${what} listening`, () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it listened:\n${out}\n${err}`);
    return /http:\/\/127\.0\.0\.1:(\d+)\/\S*token=([A-Za-z0-9_-]+)/.exec(out);
  }, { limitMs });
  return { child, port: Number(m[1]), token: m[2]!, output: () => out + err, stdout: () => out, stderr: () => err };
}

/**
 * Ends a child process and waits for it: SIGTERM, then SIGKILL after `graceMs` (at once
 * when `graceMs` is 0). A child that has already exited is left alone.
 */
export async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(graceMs === 0 ? 'SIGKILL' : 'SIGTERM');
  const timer = graceMs === 0 ? null : setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  if (timer) clearTimeout(timer);
}
