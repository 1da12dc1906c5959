// Session updates as deltas: what changed since the last publish (a session new or
// different, whole; the ids of those gone), so a client that holds the list gets a
// few hundred bytes per change instead of every session every time.
import type { Session } from '../../shared/api.js';
import type { SessionDelta } from '../../shared/session-delta.js';

export class SessionDeltas {
  /** Session id → its last published JSON. */
  private last = new Map<string, string>();

  /** The difference from the previous call's list, or null when nothing changed. */
  next(sessions: readonly Session[]): SessionDelta | null {
    const seen = new Map<string, string>();
    const upserted: Session[] = [];
    for (const s of sessions) {
      const json = JSON.stringify(s);
      seen.set(s.id, json);
      if (this.last.get(s.id) !== json) upserted.push(s);
    }
    const removed = [...this.last.keys()].filter((id) => !seen.has(id));
    this.last = seen;
    return upserted.length || removed.length ? { upserted, removed } : null;
  }
}
