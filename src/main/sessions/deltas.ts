// Session updates as deltas: what changed since the last publish (a session new to the
// list, whole; of one already listed, only the fields that changed; the ids of those
// gone), so a client that holds the list gets a few hundred bytes per change instead of
// every session every time. The web server serialises each delta once for all clients.
import type { Session } from '../../shared/api.js';
import type { SessionDelta, SessionPatch } from '../../shared/session-delta.js';

export class SessionDeltas {
  /** Session id → the session as last published. */
  private last = new Map<string, Session>();

  /** The difference from the previous call's list, or null when nothing changed. */
  next(sessions: readonly Session[]): SessionDelta | null {
    const seen = new Map<string, Session>();
    const upserted: Session[] = [];
    const changed: SessionPatch[] = [];
    for (const s of sessions) {
      seen.set(s.id, s);
      const before = this.last.get(s.id);
      // The same object is the same session (the monitor rebuilds only what changed).
      if (before === s) continue;
      if (!before) {
        upserted.push(s);
        continue;
      }
      const patch = sessionPatch(before, s);
      if (patch === 'whole') upserted.push(s);
      else if (patch) changed.push(patch);
    }
    const removed = [...this.last.keys()].filter((id) => !seen.has(id));
    this.last = seen;
    return upserted.length || changed.length || removed.length ? { upserted, changed, removed } : null;
  }
}

/**
 * The fields of `b` that differ from `a` (with b's id), null when none do, 'whole' when
 * the two do not have the same fields. Field by field; only a nested value (argv, detail)
 * that is not the same object is compared as JSON. A publish compares every session:
 * serialising each of 100 sessions on every change was 3.4 of 95 s of main-thread time in
 * a profile of console_under_load.
 */
export function sessionPatch(a: Session, b: Session): SessionPatch | 'whole' | null {
  let patch: Record<string, unknown> | null = null;
  const keys = Object.keys(b) as Array<keyof Session>;
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (typeof x === 'object' && typeof y === 'object' && x !== null && y !== null && JSON.stringify(x) === JSON.stringify(y)) continue;
    if (!(key in a)) return 'whole';
    patch ??= { id: b.id };
    patch[key] = y;
  }
  if (Object.keys(a).length !== keys.length) return 'whole';
  return patch as SessionPatch | null;
}

/** Whether two sessions carry the same values (field by field, nested values by content). */
export function sameSession(a: Session, b: Session): boolean {
  return sessionPatch(a, b) === null;
}
