// Session updates as deltas: what changed since the last publish (a session new or
// different, whole; the ids of those gone), so a client that holds the list gets a
// few hundred bytes per change instead of every session every time.
import type { Session } from '../../shared/api.js';
import type { SessionDelta } from '../../shared/session-delta.js';

export class SessionDeltas {
  /** Session id → the session as last published. */
  private last = new Map<string, Session>();

  /** The difference from the previous call's list, or null when nothing changed. */
  next(sessions: readonly Session[]): SessionDelta | null {
    const seen = new Map<string, Session>();
    const upserted: Session[] = [];
    for (const s of sessions) {
      seen.set(s.id, s);
      const before = this.last.get(s.id);
      // The same object is the same session (the monitor rebuilds only what changed).
      if (before !== s && (!before || !sameSession(before, s))) upserted.push(s);
    }
    const removed = [...this.last.keys()].filter((id) => !seen.has(id));
    this.last = seen;
    return upserted.length || removed.length ? { upserted, removed } : null;
  }
}

/**
 * Field by field; only a nested value (argv, detail) that is not the same object is
 * compared as JSON. A publish compares every session: serialising each of 100 sessions
 * on every change was 3.4 of 95 s of main-thread time in a profile of console_under_load.
 */
export function sameSession(a: Session, b: Session): boolean {
  for (const key of Object.keys(b) as Array<keyof Session>) {
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null || JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return Object.keys(a).length === Object.keys(b).length;
}
