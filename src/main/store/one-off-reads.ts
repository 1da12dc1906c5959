import type Database from 'better-sqlite3';
import { OPEN_SQL } from './status-sql.js';

// Single reads for callers that run them now and then (a /metrics scrape, a workflow
// function, `architect db info`): prepared on each call, on the connection given.

/** Open tasks counted by status and type (open only: closed ones grow without bound). */
export function openTaskCountsByStatusAndType(db: Database.Database): { status: string; type: string; n: number }[] {
  return db.prepare(`SELECT status, type, COUNT(*) AS n FROM tasks WHERE status IN (${OPEN_SQL}) GROUP BY status, type`).all() as { status: string; type: string; n: number }[];
}

/** A task's metadata column as stored (JSON text), or null/undefined when none or no such task. */
export function taskMetadataText(db: Database.Database, taskId: number): string | null | undefined {
  return db.prepare('SELECT metadata FROM tasks WHERE id = ?').pluck().get(taskId) as string | null | undefined;
}

/** How many sessions the database knows (live or exited). */
export function sessionCount(db: Database.Database): number {
  return db.prepare('SELECT COUNT(*) FROM sessions').pluck().get() as number;
}
