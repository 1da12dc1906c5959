import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SQL_NOW } from './time.js';

/** A fingerprint long enough that two different problems never share one in practice. */
const FINGERPRINT_HEX_CHARS = 16;

/**
 * The same problem seen twice reads differently (ids, counts, times, paths in
 * quotes); these parts are replaced so that it is counted once.
 */
export function normaliseErrorMessage(message: string): string {
  return message
    .trim()
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    // commit hashes, request ids: hex with both letters and digits
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, '<hex>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ');
}

export function errorFingerprint(source: string, message: string): string {
  return createHash('sha256')
    .update(`${source}\0${normaliseErrorMessage(message)}`)
    .digest('hex')
    .slice(0, FINGERPRINT_HEX_CHARS);
}

export interface ErrorRecord {
  id: number;
  fingerprint: string;
  source: string;
  sessionId: string | null;
  taskId: number | null;
  message: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  resolved: boolean;
}

const SELECT_ERROR = `SELECT id, fingerprint, source, session_id AS sessionId, task_id AS taskId, message,
  first_seen AS firstSeen, last_seen AS lastSeen, count, resolved FROM errors`;

/** The one place every subsystem records a problem. */
export class ErrorRepository {
  private readonly upsert: Database.Statement;
  private readonly resolveRow: Database.Statement;
  private readonly openRows: Database.Statement;
  private readonly byId: Database.Statement;

  constructor(db: Database.Database) {
    // A problem seen again is the same row: count and last_seen move, the latest
    // wording is kept, and a resolved problem that comes back is open again.
    this.upsert = db.prepare(`
      INSERT INTO errors(fingerprint, source, session_id, task_id, message)
      VALUES (@fingerprint, @source, @sessionId, @taskId, @message)
      ON CONFLICT(fingerprint) DO UPDATE SET count = count + 1, last_seen = ${SQL_NOW},
        message = excluded.message, resolved = 0,
        session_id = coalesce(excluded.session_id, session_id),
        task_id = coalesce(excluded.task_id, task_id)
      RETURNING id, count`);
    this.resolveRow = db.prepare('UPDATE errors SET resolved = 1 WHERE id = ?');
    this.openRows = db.prepare(`${SELECT_ERROR} WHERE resolved = 0 ORDER BY last_seen DESC`);
    this.byId = db.prepare(`${SELECT_ERROR} WHERE id = ?`);
  }

  record(source: string, message: string, about: { sessionId?: string | null; taskId?: number | null } = {}): { id: number; count: number } {
    return this.upsert.get({
      fingerprint: errorFingerprint(source, message),
      source,
      sessionId: about.sessionId ?? null,
      taskId: about.taskId ?? null,
      message,
    }) as { id: number; count: number };
  }

  resolve(id: number): void {
    if (this.resolveRow.run(id).changes === 0) throw new Error(`error ${id} does not exist`);
  }

  get(id: number): ErrorRecord | null {
    const row = this.byId.get(id) as (Omit<ErrorRecord, 'resolved'> & { resolved: number }) | undefined;
    return row ? { ...row, resolved: row.resolved === 1 } : null;
  }

  listOpen(): ErrorRecord[] {
    return (this.openRows.all() as (Omit<ErrorRecord, 'resolved'> & { resolved: number })[]).map((r) => ({
      ...r,
      resolved: r.resolved === 1,
    }));
  }
}
