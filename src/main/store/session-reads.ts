import type Database from 'better-sqlite3';
import type { SessionEvent, SessionState } from '../../shared/api.js';
import { HELD_SQL } from './status-sql.js';
import { fromSqlTime, toSqlTime } from './time.js';

interface SessionEventRow {
  session_id: string;
  at: string;
  from_state: SessionState | null;
  to_state: SessionState;
  reason: string | null;
}

const toEvent = (r: SessionEventRow): SessionEvent => ({
  sessionId: r.session_id,
  at: fromSqlTime(r.at),
  from: r.from_state,
  to: r.to_state,
  reason: r.reason,
});

/** What the console shows about sessions from the database: held tasks, state history, timeline. Read on the reader connection. */
export class SessionReads {
  private readonly held: Database.Statement;
  private readonly heldOfMany: Database.Statement;
  /** Statements run to read held tasks (a test reads it: a publish of one changed session is one read). */
  heldReads = 0;
  private readonly history: Database.Statement;
  private readonly timeline: Database.Statement;

  constructor(db: Database.Database) {
    // One seek per session in the index of held tasks (never a GROUP BY over every held task).
    this.held = db.prepare(`SELECT max(id) FROM tasks WHERE assigned_to = ? AND status IN (${HELD_SQL})`).pluck();
    // The same seek per name, for many names in one statement.
    this.heldOfMany = db.prepare(`SELECT n.value AS name, (SELECT max(id) FROM tasks WHERE assigned_to = n.value AND status IN (${HELD_SQL})) AS id FROM json_each(?) n`);
    this.history = db.prepare('SELECT session_id, at, from_state, to_state, reason FROM session_events WHERE session_id = ? ORDER BY id DESC LIMIT ?');
    this.timeline = db.prepare(`
      SELECT session_id, at, from_state, to_state, reason FROM (
        SELECT e.* FROM session_events e
         WHERE e.id IN (SELECT max(id) FROM session_events WHERE at < @since GROUP BY session_id)
        UNION ALL
        SELECT * FROM session_events WHERE at >= @since
      ) ORDER BY id`);
  }

  /** The newest task the session (by name) holds, or null. */
  heldTask(sessionName: string): number | null {
    this.heldReads++;
    return (this.held.get(sessionName) as number | null) ?? null;
  }

  /** heldTask for each name, in one statement. */
  heldTasks(sessionNames: readonly string[]): Map<string, number | null> {
    const out = new Map<string, number | null>();
    if (sessionNames.length === 0) return out;
    this.heldReads++;
    for (const r of this.heldOfMany.all(JSON.stringify(sessionNames)) as Array<{ name: string; id: number | null }>) out.set(r.name, r.id ?? null);
    return out;
  }

  /** The session's latest `limit` state changes, oldest first. */
  stateHistory(sessionId: string, limit: number): SessionEvent[] {
    return (this.history.all(sessionId, limit) as SessionEventRow[]).map(toEvent).reverse();
  }

  /** Every state change since `since`, plus each session's last change before it (its state at `since`), in order. */
  timelineSince(since: Date): SessionEvent[] {
    return (this.timeline.all({ since: toSqlTime(since) }) as SessionEventRow[]).map(toEvent);
  }
}
