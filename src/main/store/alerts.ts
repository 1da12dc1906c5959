// Alerts live in `notifications`. `dedupe_key` is UNIQUE and inserts are
// INSERT OR IGNORE: an alert raised once is never raised again, not after a
// config reload, not after a restart, not from a second console.
import type Database from 'better-sqlite3';
import type { Alert } from '../../shared/api.js';
import type { Store } from './store.js';
import { fromSqlTime, toSqlTime } from './time.js';
import { UserError } from '../user-error.js';

export class AlertNotFoundError extends UserError {
  constructor(readonly alertId: number) {
    super(`alert ${alertId} does not exist`);
    this.name = 'AlertNotFoundError';
  }
}

export interface NewAlert {
  taskId: number | null;
  kind: string;
  level: string;
  message: string;
  channels: string[];
  dedupeKey: string;
}

interface AlertRow {
  id: number;
  task_id: number | null;
  kind: string;
  level: string;
  message: string;
  channels: string | null;
  created_at: string;
  acknowledged_at: string | null;
}

const COLUMNS = 'id, task_id, kind, level, message, channels, created_at, acknowledged_at';
export const DEFAULT_ALERT_LIMIT = 100;

/** Alerts are the notifications meant for the dashboard; log-only and desktop-only ones are not shown as banners. */
const ON_DASHBOARD = `(channels IS NULL OR EXISTS (SELECT 1 FROM json_each(notifications.channels) WHERE value = 'dashboard'))`;

function alertFromRow(r: AlertRow): Alert {
  const channels: unknown = r.channels ? JSON.parse(r.channels) : [];
  return {
    id: r.id,
    taskId: r.task_id,
    kind: r.kind,
    level: r.level,
    message: r.message,
    channels: Array.isArray(channels) ? channels.map(String) : [],
    createdAt: fromSqlTime(r.created_at),
    acknowledgedAt: fromSqlTime(r.acknowledged_at),
  };
}

export class AlertRepository {
  private readonly insert: Database.Statement;
  private readonly openList: Database.Statement;
  private readonly allList: Database.Statement;
  private readonly ack: Database.Statement;
  private readonly exists: Database.Statement;
  private readonly openCount: Database.Statement;
  private readonly backlog: Database.Statement;

  constructor(store: Store) {
    const db = store.writer;
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO notifications(task_id, kind, level, message, channels, created_at, dedupe_key)
       VALUES (@taskId, @kind, @level, @message, @channels, @at, @dedupeKey) RETURNING ${COLUMNS}`,
    );
    this.openList = db.prepare(`SELECT ${COLUMNS} FROM notifications WHERE acknowledged_at IS NULL AND ${ON_DASHBOARD} ORDER BY created_at DESC, id DESC LIMIT ?`);
    this.allList = db.prepare(`SELECT ${COLUMNS} FROM notifications WHERE ${ON_DASHBOARD} ORDER BY created_at DESC, id DESC LIMIT ?`);
    // COALESCE: acknowledging twice keeps the first time it was seen.
    this.ack = db.prepare('UPDATE notifications SET acknowledged_at = COALESCE(acknowledged_at, ?) WHERE id = ?');
    this.exists = db.prepare('SELECT 1 FROM notifications WHERE id = ?').pluck();
    this.openCount = db.prepare(`SELECT COUNT(*) FROM notifications WHERE acknowledged_at IS NULL AND ${ON_DASHBOARD}`).pluck();
    // The SLA watch's backlog summaries (their dedupe keys say what they cover), through the UNIQUE index on dedupe_key.
    this.backlog = db.prepare("SELECT dedupe_key FROM notifications WHERE dedupe_key >= 'sla-backlog:' AND dedupe_key < 'sla-backlog;'").pluck();
  }

  /** The dedupe keys of the SLA backlog summaries raised so far (alerts/sla-backlog.ts reads them). */
  backlogKeys(): string[] {
    return this.backlog.all() as string[];
  }

  /** The new alert, or null when one with the same dedupe key was raised before. */
  raise(alert: NewAlert, now: Date): Alert | null {
    const row = this.insert.get({ ...alert, channels: JSON.stringify(alert.channels), at: toSqlTime(now) }) as AlertRow | undefined;
    return row ? alertFromRow(row) : null;
  }

  list(opts: { includeAcknowledged?: boolean; limit?: number } = {}): Alert[] {
    const stmt = opts.includeAcknowledged ? this.allList : this.openList;
    return (stmt.all(opts.limit ?? DEFAULT_ALERT_LIMIT) as AlertRow[]).map(alertFromRow);
  }

  acknowledge(id: number, now: Date = new Date()): void {
    if (this.ack.run(toSqlTime(now), id).changes === 0 && !this.exists.get(id)) throw new AlertNotFoundError(id);
  }

  countOpen(): number {
    return this.openCount.get() as number;
  }

  latestOpen(): Alert | null {
    return this.list({ limit: 1 })[0] ?? null;
  }
}
