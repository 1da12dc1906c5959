import type Database from 'better-sqlite3';
import { toSqlTime } from './time.js';

/** Every routing and SLA decision with its reason, so `explain TASK` can tell the story. */
export interface Decision {
  id: number;
  at: string;
  kind: string;
  taskId: number | null;
  sessionId: string | null;
  decision: string;
  reason: string;
}

export type NewDecision = Omit<Decision, 'id' | 'at' | 'taskId' | 'sessionId'> & {
  taskId?: number | null;
  sessionId?: string | null;
  at?: Date;
};

const SELECT_DECISION = `SELECT id, at, kind, task_id AS taskId, session_id AS sessionId, decision, reason FROM decisions`;

export class DecisionRepository {
  private readonly insert: Database.Statement;
  private readonly ofTask: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare(
      'INSERT INTO decisions(at, kind, task_id, session_id, decision, reason) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.ofTask = db.prepare(`${SELECT_DECISION} WHERE task_id = ? ORDER BY id`);
  }

  append(d: NewDecision): number {
    const at = toSqlTime(d.at ?? new Date());
    return Number(this.insert.run(at, d.kind, d.taskId ?? null, d.sessionId ?? null, d.decision, d.reason).lastInsertRowid);
  }

  forTask(taskId: number): Decision[] {
    return this.ofTask.all(taskId) as Decision[];
  }
}
