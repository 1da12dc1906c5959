import type { SessionState } from '../../shared/api.js';
import type { Store } from '../store/store.js';
import type { DemoPane } from './fleet.js';

// Hours of made-up agent states, so the overview's state timeline of a demo that
// just started shows what a fleet's day looks like. Deterministic per agent.

/** The overview's timeline shows 6 hours; a little more fills it edge to edge. */
const HISTORY_HOURS = 6.5;
/** The scripted agents take over from here on. */
const HISTORY_ENDS_MS_AGO = 60_000;

export interface DemoTransition {
  at: Date;
  from: SessionState | null;
  to: SessionState;
  reason: string | null;
}

/** Minutes each state lasts: [shortest, longest]. */
const STAY: Record<'working' | 'idle' | 'waiting' | 'error', [number, number]> = { working: [12, 45], idle: [3, 20], waiting: [1, 8], error: [2, 10] };

/** The made-up day of one agent: mostly working, idle between tasks, now and then waiting or failing. */
export function demoTransitions(seed: number, now: number): DemoTransition[] {
  // mulberry32: a tiny seeded generator, the same day for the same agent every time.
  let x = (seed + 1) * 0x9e3779b9;
  const rand = (): number => {
    x = (x + 0x6d2b79f5) | 0;
    let r = Math.imul(x ^ (x >>> 15), 1 | x);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const out: DemoTransition[] = [];
  let t = now - HISTORY_HOURS * 3_600_000;
  let state: SessionState = 'idle';
  out.push({ at: new Date(t), from: null, to: state, reason: null });
  for (;;) {
    const [lo, hi] = STAY[state as keyof typeof STAY];
    t += (lo + rand() * (hi - lo)) * 60_000;
    if (t > now - HISTORY_ENDS_MS_AGO) break;
    const r = rand();
    const next: SessionState = state !== 'working' ? 'working' : r < 0.6 ? 'idle' : r < 0.88 ? 'waiting' : 'error';
    const reason = next === 'waiting' ? 'approval' : next === 'error' ? 'api_error' : null;
    out.push({ at: new Date(t), from: state, to: next, reason });
    state = next;
  }
  return out;
}

/** Writes that history for the fleet's panes (before the console discovers them). */
export function seedSessionHistory(store: Store, panes: DemoPane[], now: number): void {
  store.transaction(() => {
    panes.forEach((p, i) => {
      store.sessions.upsert({ id: p.id, name: p.session, server: p.id.split(':')[0] ?? '', provider: p.program, cwd: null });
      for (const e of demoTransitions(i, now)) store.sessions.recordTransition(p.id, e.from, e.to, e.reason, e.at);
    });
  });
}
