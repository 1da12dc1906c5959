import fs from 'node:fs';
import path from 'node:path';
import type { SessionState } from '../../shared/api.js';

/**
 * Agent hook events: one JSON object per line in `<dataDir>/hooks/events.jsonl`,
 * appended by `architect hooks emit` (or anything else that writes the same line).
 *
 *   {"at":"2026-11-25T16:50:00.000Z","agent":"claude","state":"working","reason":null,
 *    "event":"UserPromptSubmit","server":"default","pane":"%12"}
 *
 * `pane` is `$TMUX_PANE`; `server` is the tmux socket's name (the basename of the first
 * field of `$TMUX`), so a pane id is never confused across servers.
 */
export interface HookEvent {
  at: string;
  agent: string;
  state: HookState;
  reason: string | null;
  /** The agent's own name for what happened (`Stop`, `agent-turn-complete`…), for explain. */
  event: string | null;
  server: string;
  pane: string;
}

/** What a hook may report: transitions only (`unknown` is never a hook's news). */
export type HookState = Exclude<SessionState, 'unknown'>;
export const HOOK_STATES: readonly HookState[] = ['working', 'idle', 'waiting', 'error', 'exited'];

export const HOOKS_FILE = path.join('hooks', 'events.jsonl');
/** Past this the writer starts a new file (the previous one kept as `.1`): the log never grows unbounded. */
export const HOOKS_FILE_MAX_BYTES = 1024 * 1024;

const PANE_ID = /^%\d+$/;
const NAME = /^[\w.@:-]{1,100}$/;

export function hooksFilePath(dataDir: string): string {
  return path.join(dataDir, HOOKS_FILE);
}

/** The tmux server a process runs under, from `$TMUX` (`/tmp/tmux-1000/default,1234,0`). */
export function serverFromTmuxEnv(tmuxEnv: string | undefined): string | null {
  if (!tmuxEnv) return null;
  const socketPath = tmuxEnv.split(',')[0];
  return socketPath ? path.basename(socketPath) : null;
}

/** One line of the file, or null for anything malformed (a torn or foreign line is skipped, not fatal). */
export function parseHookLine(line: string): HookEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.pane !== 'string' || !PANE_ID.test(o.pane)) return null;
  if (typeof o.server !== 'string' || !NAME.test(o.server)) return null;
  if (typeof o.state !== 'string' || !(HOOK_STATES as readonly string[]).includes(o.state)) return null;
  if (typeof o.at !== 'string' || Number.isNaN(Date.parse(o.at))) return null;
  const text = (x: unknown): string | null => (typeof x === 'string' && x.length <= 200 ? x : null);
  return {
    at: o.at,
    agent: text(o.agent) ?? 'unknown',
    state: o.state as HookState,
    reason: text(o.reason),
    event: text(o.event),
    server: o.server,
    pane: o.pane,
  };
}

/**
 * Appends one event. A single `write` of one short line to an `O_APPEND` file lands
 * whole even with several agents writing at once.
 */
export function appendHookEvent(dataDir: string, event: HookEvent): string {
  const file = hooksFilePath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    if (fs.statSync(file).size > HOOKS_FILE_MAX_BYTES) fs.renameSync(file, `${file}.1`);
  } catch {
    // no file yet
  }
  fs.appendFileSync(file, JSON.stringify(event) + '\n', { mode: 0o600 });
  return file;
}

/** Beside the events: the tmux servers an Architect follows hooks for, one name a line. */
export function watchedServersFile(dataDir: string): string {
  return path.join(dataDir, 'hooks', 'watched-servers');
}

/** Adds these servers to the list (a console and a CLI watch may run side by side). */
export function markWatchedServers(dataDir: string, names: readonly string[]): void {
  const file = watchedServersFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let known: string[] = [];
  try {
    known = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    // none yet
  }
  const all = [...new Set([...known, ...names])].sort();
  if (all.length === known.length && all.every((n, i) => n === [...known].sort()[i])) return;
  fs.writeFileSync(file, all.join('\n') + '\n', { mode: 0o600 });
}

/** Whether an Architect follows hooks for this tmux server (its name as in $TMUX). */
export function isWatchedServer(dataDir: string, server: string): boolean {
  try {
    return fs.readFileSync(watchedServersFile(dataDir), 'utf8').split('\n').includes(server);
  } catch {
    return false;
  }
}
