import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoFleet, type DemoFleet } from '../../src/main/demo/fleet.js';
import { classify } from '../../src/main/sessions/classify.js';
import { identifyAgent } from '../../src/main/sessions/identify.js';
import { compileManifests, loadAgentManifests } from '../../src/main/sessions/manifests.js';
import { testSocket } from '../support/tmux.js';

// The demo's agents must read as real agents to the real detection rules: by
// process (identify) and by screen (classify), in each state they simulate.

const manifests = compileManifests(loadAgentManifests(path.resolve('config/base/agents.yaml')));
const socket = testSocket('demo');
let fleet: DemoFleet;
let dir: string;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}

function screenOf(session: string): { lines: string[]; title: string } {
  return { lines: tmux('capture-pane', '-p', '-J', '-t', `${session}:0.0`).replace(/\n+$/, '').split('\n'), title: tmux('display', '-p', '-t', `${session}:0.0`, '#{pane_title}').trim() };
}

async function until<T>(what: string, probe: () => T | null, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | null = null;
  while (Date.now() < end) {
    last = probe();
    if (last !== null) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stateOf(session: string, agent: string): string {
  const compiled = manifests.agents.find((a) => a.name === agent);
  if (!compiled) throw new Error(`no manifest for ${agent}`);
  return classify(screenOf(session), compiled).state;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-demo-test-'));
  fleet = startDemoFleet({
    dir,
    socket,
    fleet: [
      { session: 'c_idle', program: 'claude', args: [] },
      { session: 'c_wait', program: 'claude', args: ['--start', 'approval'] },
      { session: 'c_err', program: 'claude', args: ['--start', 'error'] },
      { session: 'x_idle', program: 'codex', args: ['--ask-every', '1'] },
      { session: 'g_work', program: 'gemini', args: ['--start', 'working', '--fail-every', '1'] },
    ],
  });
});

afterAll(() => {
  fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('demo fleet', () => {
  it('is identified by process as claude, codex and gemini', async () => {
    const panes = await until('panes', () => {
      const out = tmux('list-panes', '-a', '-F', '#{session_name} #{pane_pid}').trim().split('\n');
      return out.length === 5 ? out : null;
    });
    const identified = (pid: string): string | null => {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      return identifyAgent([{ pid: Number(pid), comm, argv, foreground: true }], manifests).agent;
    };
    for (const line of panes) {
      const [session, pid] = line.split(' ') as [string, string];
      const expected = { c: 'claude', x: 'codex', g: 'gemini' }[session[0] as 'c' | 'x' | 'g'];
      // A pane that has just been made may not have exec'd its program yet (its first
      // process reads as 'other' for a moment): wait for the program, then compare.
      const agent = await until(`${session} to run its program`, () => {
        const a = identified(pid);
        return a === 'other' ? null : a;
      }).catch(() => identified(pid));
      expect(agent, session).toBe(expected);
    }
  });

  it('shows each simulated state as the detection rules read it', async () => {
    await until('claude idle', () => (stateOf('c_idle', 'claude') === 'idle' ? true : null));
    await until('claude waiting', () => (stateOf('c_wait', 'claude') === 'waiting' ? true : null));
    await until('claude error', () => (stateOf('c_err', 'claude') === 'error' ? true : null));
    await until('gemini working', () => (stateOf('g_work', 'gemini') === 'working' ? true : null));
    await until('codex idle', () => (stateOf('x_idle', 'codex') === 'idle' ? true : null));
  });

  it('works on a typed prompt, asks for approval, then goes back to idle', async () => {
    tmux('send-keys', '-t', 'x_idle:0.0', '-l', 'run the tests');
    tmux('send-keys', '-t', 'x_idle:0.0', 'Enter');
    await until('codex asks for approval', () => (stateOf('x_idle', 'codex') === 'waiting' ? true : null));
    tmux('send-keys', '-t', 'x_idle:0.0', 'y');
    await until('codex working', () => (stateOf('x_idle', 'codex') === 'working' ? true : null));
    await until('codex idle again', () => (stateOf('x_idle', 'codex') === 'idle' ? true : null), 12_000);
  }, 20_000);

  it('gemini ends a failing job in error', async () => {
    await until('gemini error', () => (stateOf('g_work', 'gemini') === 'error' ? true : null), 12_000);
  }, 15_000);
});
