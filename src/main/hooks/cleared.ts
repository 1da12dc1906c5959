import fs from 'node:fs';
import path from 'node:path';

/**
 * Errors the operator cleared (`architect sessions clear`), kept beside the hook events
 * in `<dataDir>/hooks/cleared.json` so that a console started later honours them too:
 *
 *   {"default:%12":{"error":"billing\tCredit balance too low · Add funds: …","at":"2026-12-06T21:00:00.000Z"}}
 *
 * Keyed by session id (`server:%pane`); `error` is the error's fingerprint (its reason
 * and message). A monitor that sees the pane move on (a new turn, another error, the
 * pane closed) forgets the entry, so a clear lasts until the next turn starts.
 */
export interface ClearedError {
  error: string;
  at: string;
}

export const CLEARED_FILE = path.join('hooks', 'cleared.json');

export function clearedFilePath(dataDir: string): string {
  return path.join(dataDir, CLEARED_FILE);
}

/** The error a session shows, as a clear records it: the same error on screen reads cleared. */
export function errorFingerprint(reason: string | null, message: string | null | undefined): string {
  return `${reason ?? ''}\t${message ?? ''}`;
}

/** Every recorded clear; an absent or unreadable file is none (a clear is a convenience, never fatal). */
export function readClears(file: string): Map<string, ClearedError> {
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return new Map();
  }
  const out = new Map<string, ClearedError>();
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [id, entry] of Object.entries(v as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { error, at } = entry as Record<string, unknown>;
    if (typeof error === 'string' && typeof at === 'string') out.set(id, { error, at });
  }
  return out;
}

/** Records (or replaces) a session's cleared error. */
export function recordClear(file: string, sessionId: string, error: string, at = new Date()): void {
  const all = readClears(file);
  all.set(sessionId, { error, at: at.toISOString() });
  write(file, all);
}

/** Drops these sessions' clears; returns whether any was there. */
export function forgetClears(file: string, sessionIds: readonly string[]): boolean {
  const all = readClears(file);
  let changed = false;
  for (const id of sessionIds) changed = all.delete(id) || changed;
  if (changed) write(file, all);
  return changed;
}

/** Whole-file replace (write, then rename): a reader never sees half a file. */
function write(file: string, all: Map<string, ClearedError>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(all)) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}
