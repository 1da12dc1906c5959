// What the attention machinery remembers between runs: the episode each session is
// in, the sessions the operator has not looked at since something happened, and how
// far each event source has been read.
import type Database from 'better-sqlite3';
import type { WriterDb } from './store.js';
import { fromSqlTime, toSqlTime } from './time.js';
import { HELD_SQL } from './status-sql.js';

export interface Episode {
  event: string;
  fingerprint: string;
  startedAt: string;
}

export interface UnreadMark {
  sessionId: string;
  event: string;
  detail: string | null;
  since: string;
}

export class AttentionMemory {
  private readonly episodeStmt: Database.Statement;
  private readonly setEpisodeStmt: Database.Statement;
  private readonly endEpisodeStmt: Database.Statement;
  private readonly markStmt: Database.Statement;
  private readonly clearStmt: Database.Statement;
  private readonly unreadStmt: Database.Statement;
  private readonly pruneUnreadStmt: Database.Statement;
  private readonly cursorStmt: Database.Statement;
  private readonly setCursorStmt: Database.Statement;

  constructor(db: WriterDb) {
    this.episodeStmt = db.prepare('SELECT event, fingerprint, started_at AS startedAt FROM attention_episodes WHERE session_id = ?');
    this.setEpisodeStmt = db.prepare(
      `INSERT INTO attention_episodes(session_id, event, fingerprint, started_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(session_id) DO UPDATE SET event = excluded.event, fingerprint = excluded.fingerprint, started_at = excluded.started_at`,
    );
    this.endEpisodeStmt = db.prepare('DELETE FROM attention_episodes WHERE session_id = ?');
    // A newer mark replaces the older one's reason; `since` keeps when the session first needed a look.
    this.markStmt = db.prepare(
      `INSERT INTO unread_sessions(session_id, event, detail, since) VALUES (?, ?, ?, ?)
       ON CONFLICT(session_id) DO UPDATE SET event = excluded.event, detail = excluded.detail`,
    );
    this.clearStmt = db.prepare('DELETE FROM unread_sessions WHERE session_id = ?');
    this.unreadStmt = db.prepare('SELECT session_id AS sessionId, event, detail, since FROM unread_sessions ORDER BY since');
    this.pruneUnreadStmt = db.prepare('DELETE FROM unread_sessions WHERE since < ?');
    this.cursorStmt = db.prepare('SELECT position FROM attention_cursors WHERE source = ?').pluck();
    this.setCursorStmt = db.prepare('INSERT INTO attention_cursors(source, position) VALUES (?, ?) ON CONFLICT(source) DO UPDATE SET position = excluded.position');
  }

  episode(sessionId: string): Episode | null {
    const row = this.episodeStmt.get(sessionId) as Episode | undefined;
    return row ? { ...row, startedAt: fromSqlTime(row.startedAt) } : null;
  }

  startEpisode(sessionId: string, event: string, fingerprint: string, at: Date): void {
    this.setEpisodeStmt.run(sessionId, event, fingerprint, toSqlTime(at));
  }

  endEpisode(sessionId: string): boolean {
    return this.endEpisodeStmt.run(sessionId).changes > 0;
  }

  markUnread(sessionId: string, event: string, detail: string | null, at: Date): void {
    this.markStmt.run(sessionId, event, detail, toSqlTime(at));
  }

  /** true when there was a mark to clear. */
  clearUnread(sessionId: string): boolean {
    return this.clearStmt.run(sessionId).changes > 0;
  }

  unread(): UnreadMark[] {
    return (this.unreadStmt.all() as UnreadMark[]).map((m) => ({ ...m, since: fromSqlTime(m.since) }));
  }

  pruneUnread(before: Date): number {
    return this.pruneUnreadStmt.run(toSqlTime(before)).changes;
  }

  cursor(source: string): number | null {
    return (this.cursorStmt.get(source) as number | undefined) ?? null;
  }

  setCursor(source: string, position: number): void {
    this.setCursorStmt.run(source, position);
  }
}

export interface TaskOutcomeRow {
  eventId: number;
  taskId: number;
  to: 'completed' | 'failed';
  reason: string | null;
  at: string;
}

export interface TaskFacts {
  id: number;
  title: string;
  type: string;
  project: string | null;
  assignedTo: string | null;
}

/** A task's completion or failure, with the task's facts (null: the task is gone). */
export interface TaskOutcome extends TaskOutcomeRow {
  facts: TaskFacts | null;
}

/**
 * What attention events read about tasks, from the store the tasks are in: this
 * console's file (SQLite), or a shared queue (PostgreSQL, store/postgres/task-outcomes.ts).
 */
export interface AttentionTaskSource {
  /** Completions and failures since the last call, oldest first (a restart resumes where the last run stopped). */
  readOutcomes(): TaskOutcome[] | Promise<TaskOutcome[]>;
  /** The task a session (by name) holds now. */
  heldBy(session: string): number | null;
  /** A task's facts, where known without waiting (a shared queue: tasks held now or lately); null otherwise. */
  facts(id: number): TaskFacts | null;
  /** The facts of these tasks (one read). */
  factsOf(ids: readonly number[]): Promise<Map<number, TaskFacts>>;
}

/** What attention events read about tasks: their history (completions, failures) and their facts. */
export class AttentionTaskReads {
  private readonly outcomesStmt: Database.Statement;
  private readonly lastEventStmt: Database.Statement;
  private readonly factsStmt: Database.Statement;
  private readonly heldStmt: Database.Statement;

  constructor(db: WriterDb) {
    this.outcomesStmt = db.prepare(
      `SELECT e.id AS eventId, e.task_id AS taskId, e.to_status AS "to", e.reason, e.at,
         t.id AS factsId, t.title, t.type, p.name AS project, t.assigned_to AS assignedTo
       FROM task_events e LEFT JOIN tasks t ON t.id = e.task_id LEFT JOIN projects p ON p.id = t.project_id
       WHERE e.id > ? AND e.id <= ? AND e.to_status IN ('completed', 'failed') ORDER BY e.id LIMIT ?`,
    );
    this.lastEventStmt = db.prepare('SELECT COALESCE(MAX(id), 0) FROM task_events').pluck();
    this.heldStmt = db.prepare(`SELECT MAX(id) FROM tasks WHERE assigned_to = ? AND status IN (${HELD_SQL})`).pluck();
    this.factsStmt = db.prepare(
      `SELECT t.id, t.title, t.type, p.name AS project, t.assigned_to AS assignedTo FROM tasks t LEFT JOIN projects p ON p.id = t.project_id WHERE t.id = ?`,
    );
  }

  /** The newest task history entry's id (where reading starts on a first run). */
  lastEventId(): number {
    return this.lastEventStmt.get() as number;
  }

  /** Completions and failures after `after`, up to `upTo`, oldest first, each with its task's facts. */
  outcomes(after: number, upTo: number, limit: number): TaskOutcome[] {
    return (this.outcomesStmt.all(after, upTo, limit) as OutcomeWithFactsRow[]).map(outcomeOf);
  }

  /** The task a session (by name) holds now, for a process without the console's session list (the CLI). */
  heldBy(session: string): number | null {
    return (this.heldStmt.get(session) as number | null) ?? null;
  }

  facts(id: number): TaskFacts | null {
    return (this.factsStmt.get(id) as TaskFacts | undefined) ?? null;
  }
}

/** An outcome row joined with its task (null columns: the task is gone). */
export type OutcomeWithFactsRow = TaskOutcomeRow & { factsId: number | null; title: string | null; type: string | null; project: string | null; assignedTo: string | null };

export function outcomeOf(r: OutcomeWithFactsRow): TaskOutcome {
  return {
    eventId: Number(r.eventId),
    taskId: Number(r.taskId),
    to: r.to,
    reason: r.reason,
    at: fromSqlTime(r.at),
    facts: r.factsId === null ? null : { id: Number(r.factsId), title: r.title!, type: r.type!, project: r.project, assignedTo: r.assignedTo },
  };
}
