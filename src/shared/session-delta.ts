// A sessions.delta as the server sends it and as a client applies it to the list it
// holds. No electron, node or DOM imports.
import type { Session } from './api.js';

export interface SessionDelta {
  upserted: Session[];
  removed: string[];
}

/** Applies a delta to a list held by a client: gone ones out, changed ones replaced in place, new ones last. */
export function applySessionDelta(list: readonly Session[] | null, delta: SessionDelta): Session[] {
  const removed = new Set(delta.removed);
  const byId = new Map(delta.upserted.map((s) => [s.id, s]));
  const out: Session[] = [];
  for (const s of list ?? []) {
    if (removed.has(s.id)) continue;
    const changed = byId.get(s.id);
    out.push(changed ?? s);
    byId.delete(s.id);
  }
  out.push(...byId.values());
  return out;
}
