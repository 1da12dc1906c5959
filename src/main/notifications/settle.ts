// When an agent's state counts for attention: once it has held for settle_seconds.
// A state held for less (a redraw, a spinner frame read as idle, a dialog flashed and
// answered at once) is never an event. A pane that closes is settled at once: it will
// not come back. Pure: session lists and the clock in, settled changes out; the caller
// sets a timer for nextDueMs().
import type { Session, SessionState } from '../../shared/api.js';

export interface SettledChange {
  /** The session as last seen. */
  session: Session;
  /** The state settled before (null: the first settled state since start). */
  from: SessionState | null;
  to: SessionState;
  reason: string | null;
  /** The pane closed (it is no longer listed). */
  gone: boolean;
  /**
   * The task the session held when this state began: an agent that exits mid-task has
   * its task put back in the queue at once, before the state has settled.
   */
  taskId: number | null;
}

interface Track {
  state: SessionState;
  reason: string | null;
  sinceMs: number;
  taskAtStart: number | null;
  settled: { state: SessionState; reason: string | null } | null;
  last: Session;
}

const NOT_AGENTS = new Set(['shell', 'other']);

export class SettleTracker {
  private readonly tracks = new Map<string, Track>();

  constructor(private settleMs: number) {}

  setSettleMs(ms: number): void {
    this.settleMs = ms;
  }

  /**
   * The whole list as published. Returns what settled at once (closed panes).
   * `heldBy` names the task a session holds now: the list's own `currentTaskId` is as of
   * its last publish, and a task given to an idle session does not publish the list.
   */
  observe(sessions: readonly Session[], nowMs: number, heldBy: (name: string) => number | null = () => null): SettledChange[] {
    const seen = new Set<string>();
    for (const s of sessions) {
      if (NOT_AGENTS.has(s.agent)) continue;
      seen.add(s.id);
      const t = this.tracks.get(s.id);
      if (!t) this.tracks.set(s.id, { state: s.state, reason: s.reason, sinceMs: nowMs, taskAtStart: s.currentTaskId, settled: null, last: s });
      else {
        if (t.state !== s.state || t.reason !== s.reason) {
          const held = s.currentTaskId ?? (s.state === 'exited' ? heldBy(s.name) : null) ?? t.last.currentTaskId;
          Object.assign(t, { state: s.state, reason: s.reason, sinceMs: nowMs, taskAtStart: held });
        }
        t.last = s;
      }
    }
    const out: SettledChange[] = [];
    for (const [id, t] of this.tracks) {
      if (seen.has(id)) continue;
      this.tracks.delete(id);
      const taskId = t.state === 'exited' ? t.taskAtStart : (heldBy(t.last.name) ?? t.last.currentTaskId);
      if (t.settled?.state !== 'exited') out.push({ session: t.last, from: t.settled?.state ?? null, to: 'exited', reason: 'pane closed', gone: true, taskId });
    }
    return out;
  }

  /** States that have now held for the settle time. */
  due(nowMs: number): SettledChange[] {
    const out: SettledChange[] = [];
    for (const t of this.tracks.values()) {
      if (t.settled && t.settled.state === t.state && t.settled.reason === t.reason) continue;
      if (nowMs - t.sinceMs < this.settleMs) continue;
      out.push({ session: t.last, from: t.settled?.state ?? null, to: t.state, reason: t.reason, gone: false, taskId: t.taskAtStart });
      t.settled = { state: t.state, reason: t.reason };
    }
    return out;
  }

  /** When the next unsettled state will have held long enough, or null. */
  nextDueMs(): number | null {
    let next: number | null = null;
    for (const t of this.tracks.values()) {
      if (t.settled && t.settled.state === t.state && t.settled.reason === t.reason) continue;
      const at = t.sinceMs + this.settleMs;
      if (next === null || at < next) next = at;
    }
    return next;
  }

  /** The session as last seen (an exited pane keeps its last task until it is gone). */
  lastSeen(id: string): Session | undefined {
    return this.tracks.get(id)?.last;
  }

  /** The settled state of a session by its name, when it has one. */
  settledByName(name: string): { state: SessionState; settledNow: boolean } | null {
    for (const t of this.tracks.values()) {
      if (t.last.name !== name || !t.settled) continue;
      return { state: t.settled.state, settledNow: t.settled.state === t.state && t.settled.reason === t.reason };
    }
    return null;
  }
}
