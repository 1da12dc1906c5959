import type Database from 'better-sqlite3';
import type { SessionState } from '../../shared/api.js';
import { SQL_NOW, toSqlTime } from './time.js';
import { UserError } from '../user-error.js';

/** What discovery knows about a pane; the agent state arrives by transitions. */
export interface DiscoveredSession {
  id: string;
  name: string;
  server: string;
  provider: string | null;
  cwd: string | null;
  projectId?: number | null;
  lastHeartbeat?: string | null;
}

export interface SessionRecord {
  id: string;
  name: string;
  server: string;
  status: SessionState;
  provider: string | null;
  currentTaskId: number | null;
  idleSince: string | null;
  lastHeartbeat: string | null;
  stateSince: string | null;
  cwd: string | null;
  projectId: number | null;
  updatedAt: string;
  goneAt: string | null;
}

export interface SessionEvent {
  at: string;
  fromState: SessionState | null;
  toState: SessionState;
  reason: string | null;
}

export class SessionNotFoundError extends UserError {
  constructor(readonly sessionId: string) {
    super(`session "${sessionId}" is not in the database (discovery has not seen it)`);
    this.name = 'SessionNotFoundError';
  }
}

/** The task left its session: no session holds it (the task core after a change; the write worker's recovery). */
export const CLEAR_CURRENT_TASK_SQL = 'UPDATE sessions SET current_task_id = NULL WHERE current_task_id = ?';

const SELECT_SESSION = `SELECT id, name, server, status, provider, current_task_id AS currentTaskId,
  idle_since AS idleSince, last_heartbeat AS lastHeartbeat, state_since AS stateSince, cwd,
  project_id AS projectId, updated_at AS updatedAt, gone_at AS goneAt FROM sessions`;

export class SessionRepository {
  private readonly upsertRow: Database.Statement;
  private readonly setState: Database.Statement;
  private readonly addEvent: Database.Statement;
  private readonly heartbeatRow: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly all: Database.Statement;
  private readonly eventsOf: Database.Statement;
  private readonly holdTask: Database.Statement;
  private readonly dropTask: Database.Statement;
  private readonly aliveRow: Database.Statement;
  private readonly onTask: Database.Statement;
  private readonly onOtherTask: Database.Statement;
  private readonly withTasks: Database.Statement;
  private readonly dropRowTask: Database.Statement;

  constructor(private readonly db: Database.Database) {
    // Discovery owns identity and place; the state column is only changed by
    // recordTransition so that every change has its event.
    this.upsertRow = db.prepare(`
      INSERT INTO sessions(id, name, server, provider, cwd, project_id, last_heartbeat, gone_at)
      VALUES (@id, @name, @server, @provider, @cwd, @projectId, @lastHeartbeat, NULL)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, server = excluded.server,
        provider = excluded.provider, cwd = excluded.cwd, project_id = excluded.project_id,
        last_heartbeat = coalesce(excluded.last_heartbeat, last_heartbeat), gone_at = NULL,
        updated_at = ${SQL_NOW}`);
    this.setState = db.prepare(`
      UPDATE sessions SET status = @to, state_since = @at, updated_at = @at,
        idle_since = CASE WHEN @to = 'idle' THEN coalesce(CASE WHEN status = 'idle' THEN idle_since END, @at) END,
        gone_at = CASE WHEN @to = 'exited' THEN coalesce(gone_at, @at) ELSE gone_at END
      WHERE id = @id`);
    this.addEvent = db.prepare(
      'INSERT INTO session_events(session_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)',
    );
    this.heartbeatRow = db.prepare('UPDATE sessions SET last_heartbeat = ? WHERE id = ?');
    // The task a session holds now, by the name tasks are assigned to (the live row of that name).
    this.holdTask = db.prepare('UPDATE sessions SET current_task_id = @taskId WHERE name = @name AND gone_at IS NULL');
    this.dropTask = db.prepare(CLEAR_CURRENT_TASK_SQL);
    // Reads before writing what a shared queue says (store/current-tasks.ts): a write only where the row differs.
    this.onTask = db.prepare('SELECT 1 FROM sessions WHERE current_task_id = ? LIMIT 1').pluck();
    this.onOtherTask = db.prepare('SELECT 1 FROM sessions WHERE name = @name AND gone_at IS NULL AND current_task_id IS NOT @taskId LIMIT 1').pluck();
    this.withTasks = db.prepare('SELECT id, name, current_task_id AS currentTaskId FROM sessions WHERE current_task_id IS NOT NULL');
    this.dropRowTask = db.prepare('UPDATE sessions SET current_task_id = NULL WHERE id = ?');
    this.aliveRow = db.prepare('UPDATE sessions SET last_heartbeat = ? WHERE id = ? AND gone_at IS NULL');
    this.byId = db.prepare(`${SELECT_SESSION} WHERE id = ?`);
    this.all = db.prepare(`${SELECT_SESSION} ORDER BY server, name`);
    this.eventsOf = db.prepare(
      'SELECT at, from_state AS fromState, to_state AS toState, reason FROM session_events WHERE session_id = ? ORDER BY id',
    );
  }

  upsert(session: DiscoveredSession): void {
    this.upsertRow.run({
      id: session.id,
      name: session.name,
      server: session.server,
      provider: session.provider,
      cwd: session.cwd,
      projectId: session.projectId ?? null,
      lastHeartbeat: session.lastHeartbeat ?? null,
    });
  }

  /** The session row and its event in one transaction: never one without the other. */
  recordTransition(sessionId: string, from: SessionState | null, to: SessionState, reason: string | null, at: Date = new Date()): void {
    const when = toSqlTime(at);
    this.db.transaction(() => {
      const changed = this.setState.run({ id: sessionId, to, at: when }).changes;
      if (changed === 0) throw new SessionNotFoundError(sessionId);
      this.addEvent.run(sessionId, when, from, to, reason);
    })();
  }

  /** Last output seen from the pane. */
  heartbeat(sessionId: string, at: Date = new Date()): void {
    this.heartbeatRow.run(toSqlTime(at), sessionId);
  }

  /** A task was dispatched to the session named `name`: it holds that task now. */
  setCurrentTask(name: string, taskId: number): void {
    this.holdTask.run({ name, taskId });
  }

  /** The task left its session (completed, failed, requeued, cancelled, held): no session holds it. */
  clearCurrentTask(taskId: number): void {
    this.dropTask.run(taskId);
  }

  /** Whether any row (a closed pane's too) names this task as its current one. */
  anyOnTask(taskId: number): boolean {
    return this.onTask.get(taskId) !== undefined;
  }

  /** Whether a live row of the session named `name` names another task than `taskId` (or none): setCurrentTask would change it. */
  liveOnOtherTask(name: string, taskId: number): boolean {
    return this.onOtherTask.get({ name, taskId }) !== undefined;
  }

  /** Every row naming a current task. */
  currentTasks(): Array<{ id: string; name: string; currentTaskId: number }> {
    return this.withTasks.all() as Array<{ id: string; name: string; currentTaskId: number }>;
  }

  /** This row holds no task. */
  clearCurrentTaskOf(sessionId: string): void {
    this.dropRowTask.run(sessionId);
  }

  /**
   * The agent's process was seen running (and its state read) at `at`: liveness, not
   * output. An idle agent that prints nothing keeps beating while its process lives.
   */
  alive(sessionIds: readonly string[], at: Date = new Date()): void {
    if (sessionIds.length === 0) return;
    const when = toSqlTime(at);
    this.db.transaction(() => {
      for (const id of sessionIds) this.aliveRow.run(when, id);
    })();
  }

  /** The pane closed: the session is kept (with its history) as exited. */
  markGone(sessionId: string, reason = 'pane closed', at: Date = new Date()): void {
    const current = this.get(sessionId);
    if (!current) throw new SessionNotFoundError(sessionId);
    if (current.status === 'exited' && current.goneAt) return;
    this.recordTransition(sessionId, current.status, 'exited', reason, at);
  }

  get(sessionId: string): SessionRecord | null {
    return (this.byId.get(sessionId) as SessionRecord | undefined) ?? null;
  }

  list(): SessionRecord[] {
    return this.all.all() as SessionRecord[];
  }

  events(sessionId: string): SessionEvent[] {
    return this.eventsOf.all(sessionId) as SessionEvent[];
  }
}
