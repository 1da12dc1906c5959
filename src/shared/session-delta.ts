// A sessions.delta as the server sends it and as a client applies it to the list it
// holds. No electron, node or DOM imports.
import type { Session } from './api.js';

/** A listed session's id and the fields of it that changed. */
export type SessionPatch = Partial<Session> & { id: string };

export interface SessionDelta {
  /** Sessions new to the list, whole. */
  upserted: Session[];
  /** Sessions already listed: the id and only the fields that changed. */
  changed: SessionPatch[];
  removed: string[];
}

/**
 * Applies a delta to a list held by a client: gone ones out, changed ones patched in
 * place (a new object), new ones last. A patch for a session the list does not hold is
 * dropped (the client re-reads the list when it reconnects or catches up).
 */
export function applySessionDelta(list: readonly Session[] | null, delta: SessionDelta): Session[] {
  const removed = new Set(delta.removed);
  const byId = new Map(delta.upserted.map((s) => [s.id, s]));
  const patches = new Map((delta.changed ?? []).map((p) => [p.id, p]));
  const out: Session[] = [];
  for (const s of list ?? []) {
    if (removed.has(s.id)) continue;
    const whole = byId.get(s.id);
    const patch = patches.get(s.id);
    out.push(whole ?? (patch ? { ...s, ...patch } : s));
    byId.delete(s.id);
  }
  out.push(...byId.values());
  return out;
}
