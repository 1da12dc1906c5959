import type { Session, SessionState } from '../../shared/api.js';

/** One state change of one session, as stored in `session_events`. */
export interface SessionTransition {
  sessionId: string;
  name: string;
  agent: string;
  from: SessionState;
  to: SessionState;
  reason: string | null;
  /** The rule that decided, or null (process or pane events). */
  ruleId: string | null;
  at: string;
}

/** Where sessions and their transitions are kept; the store implements it. */
export interface SessionSink {
  upsert(sessions: Session[]): void;
  recordTransition(sessionId: string, from: SessionState, to: SessionState, reason: string | null, atIso: string): void;
}

/** Keeps everything in memory: for tests and the CLI. */
export class MemorySessionSink implements SessionSink {
  readonly sessions = new Map<string, Session>();
  readonly transitions: Array<{ sessionId: string; from: SessionState; to: SessionState; reason: string | null; at: string }> = [];

  upsert(sessions: Session[]): void {
    for (const s of sessions) this.sessions.set(s.id, s);
  }

  recordTransition(sessionId: string, from: SessionState, to: SessionState, reason: string | null, atIso: string): void {
    this.transitions.push({ sessionId, from, to, reason, at: atIso });
  }
}
