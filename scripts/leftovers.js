// What a test run left running. Every test run has an id (ARCHITECT_TEST_RUN): the
// tests name their tmux servers `test-<id>-…` and every process they start inherits
// the variable (tmux servers, the agents in their panes, consoles, Chromium). At the
// end of the run, anything still carrying it is a leak. Keyed on the id alone, so
// the runs of other people on the same machine are never looked at, let alone killed.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RUN_VARIABLE = 'ARCHITECT_TEST_RUN';

export function newRunId() {
  return crypto.randomBytes(4).toString('hex');
}

/** The folder tmux keeps its sockets in for this user. */
export function tmuxSocketDir() {
  return path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`);
}

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null; // gone, or not ours to read
  }
}

function parentOf(pid) {
  const stat = readProc(pid, 'stat');
  // "pid (comm) state ppid …" — comm may hold spaces and parentheses.
  return stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : 0;
}

/** This process, its ancestors and its descendants: the runner itself, not a leak. */
function runnerFamily(pids) {
  const family = new Set([process.pid]);
  for (let p = process.ppid; p > 1 && !family.has(p); p = parentOf(p)) family.add(p);
  let grew = true;
  while (grew) {
    grew = false;
    for (const pid of pids) {
      if (!family.has(pid) && family.has(parentOf(pid))) {
        family.add(pid);
        grew = true;
      }
    }
  }
  return family;
}

function processesOf(runId) {
  if (!fs.existsSync('/proc/self/environ')) return [];
  const marker = `\0${RUN_VARIABLE}=${runId}\0`;
  const pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const family = runnerFamily(pids);
  const found = [];
  for (const pid of pids) {
    if (family.has(pid)) continue;
    const environ = readProc(pid, 'environ');
    if (!environ || !`\0${environ}`.includes(marker)) continue;
    const cmdline = (readProc(pid, 'cmdline') ?? '').split('\0').filter(Boolean).join(' ');
    found.push({ pid, cmdline });
  }
  return found;
}

function tmuxAnswers(socket) {
  try {
    execFileSync('tmux', ['-S', socket, 'list-sessions'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** tmux servers of this run that still answer; socket files of dead ones are removed. */
function tmuxServersOf(runId) {
  const dir = tmuxSocketDir();
  let names = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(`test-${runId}-`));
  } catch {
    return [];
  }
  const live = [];
  for (const name of names) {
    const socket = path.join(dir, name);
    if (tmuxAnswers(socket)) live.push(socket);
    else fs.rmSync(socket, { force: true });
  }
  return live;
}

/**
 * Folders of PostgreSQL clusters this run started (test/support/postgres.ts names them
 * `architect-pg-<run id>-…`): one still there was not stopped by its test.
 */
function postgresClustersOf(runId) {
  const prefix = `architect-pg-${runId}-`;
  try {
    return fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(prefix)).map((n) => path.join(os.tmpdir(), n));
  } catch {
    return [];
  }
}

export function findLeftovers(runId) {
  return { tmux: tmuxServersOf(runId), processes: processesOf(runId), postgres: postgresClustersOf(runId) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits up to `graceMs` for the run's processes to go (a killed tmux server's panes
 * take a moment to exit), then kills what is left — it belongs to this run — and
 * returns what it found: one line per leftover, none when the run was clean.
 */
export async function reapLeftovers(runId, { graceMs = 15_000 } = {}) {
  const deadline = Date.now() + graceMs;
  let left = findLeftovers(runId);
  while ((left.tmux.length || left.processes.length || left.postgres.length) && Date.now() < deadline) {
    await sleep(250);
    left = findLeftovers(runId);
  }
  const report = [
    ...left.tmux.map((s) => `tmux server ${s}`),
    ...left.postgres.map((d) => `PostgreSQL cluster ${d}`),
    ...left.processes.map((p) => `process ${p.pid}: ${p.cmdline.slice(0, 200)}`),
  ];
  for (const socket of left.tmux) {
    try {
      execFileSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // it went by itself
    }
    fs.rmSync(socket, { force: true });
  }
  for (const { pid } of left.processes) {
    // Still ours? (A PID freed since the scan may belong to someone else by now.)
    if (!`\0${readProc(pid, 'environ') ?? ''}`.includes(`\0${RUN_VARIABLE}=${runId}\0`)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // The cluster's server was among the processes (it carries the run's id); its folder goes after it.
  for (const dir of left.postgres) fs.rmSync(dir, { recursive: true, force: true });
  return report;
}
