// Attention events and their deliveries. An event is a `notifications` row whose
// UNIQUE dedupe_key makes it once-only (not again after a reload, a restart, or from a
// second console); each channel it goes to is a `notification_deliveries` row that the
// outbox works through, with attempts, back-off and the outcome.
import type Database from 'better-sqlite3';
import type { WriterDb } from './store.js';
import { fromSqlTime, toSqlTime } from './time.js';

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'suppressed' | 'dropped';

export interface NewEvent {
  key: string;
  event: string;
  level: string;
  message: string;
  taskId: number | null;
  sessionId: string | null;
  payload: unknown;
  channels: string[];
  at: Date;
}

export interface NewDelivery {
  notificationId: number;
  channel: string;
  rule: string;
  subject: string;
  /** sent: delivered by being stored (the dashboard shows the event's row itself). */
  status: 'pending' | 'suppressed' | 'sent';
  detail: string | null;
  at: Date;
}

export interface DueDelivery {
  id: number;
  notificationId: number;
  channel: string;
  attempts: number;
  payload: string | null;
  message: string;
  level: string;
  event: string | null;
}

export interface DeliveryRow {
  id: number;
  notificationId: number;
  event: string | null;
  level: string;
  message: string;
  payload: string | null;
  sessionId: string | null;
  taskId: number | null;
  channel: string;
  rule: string;
  status: DeliveryStatus;
  attempts: number;
  detail: string | null;
  createdAt: string;
  finishedAt: string | null;
  nextAttemptAt: string | null;
}

const COUNTED = `status IN ('pending', 'sent', 'failed')`;
const LIST_COLUMNS = `d.id, d.notification_id AS notificationId, n.event, n.level, n.message, n.payload, n.session_id AS sessionId, n.task_id AS taskId,
  d.channel, d.rule, d.status, d.attempts, d.detail, d.created_at AS createdAt, d.finished_at AS finishedAt, d.next_attempt_at AS nextAttemptAt`;
/** A detail is an error message or a reply: kept short (a hostile receiver can answer anything). */
export const MAX_DETAIL = 500;

const clip = (s: string | null): string | null => (s === null ? null : s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL)}…` : s);

export class NotificationOutbox {
  private readonly insertEventStmt: Database.Statement;
  private readonly describeEventStmt: Database.Statement;
  private readonly insertDeliveryStmt: Database.Statement;
  private readonly subjectStmt: Database.Statement;
  private readonly ruleStmt: Database.Statement;
  private readonly channelStmt: Database.Statement;
  private readonly dueStmt: Database.Statement;
  private readonly nextDueStmt: Database.Statement;
  private readonly claimStmt: Database.Statement;
  private readonly lastOfChannelStmt: Database.Statement;
  private readonly finishStmt: Database.Statement;
  private readonly retryStmt: Database.Statement;
  private readonly pendingOfChannelStmt: Database.Statement;
  private readonly dropStmt: Database.Statement;
  private readonly recentStmt: Database.Statement;
  private readonly recentFailedStmt: Database.Statement;
  private readonly ofEventStmt: Database.Statement;
  private readonly pruneStmt: Database.Statement;

  constructor(db: WriterDb) {
    this.insertEventStmt = db.prepare(
      `INSERT OR IGNORE INTO notifications(task_id, kind, level, message, channels, created_at, dedupe_key, event, session_id, payload)
       VALUES (@taskId, 'attention', @level, @message, @channels, @at, @key, @event, @sessionId, @payload) RETURNING id`,
    );
    // An event stored by another part (an SLA alert) gets what the attention pages show.
    this.describeEventStmt = db.prepare('UPDATE notifications SET event = @event, session_id = @sessionId, payload = @payload, channels = @channels WHERE id = @id');
    this.insertDeliveryStmt = db.prepare(
      `INSERT OR IGNORE INTO notification_deliveries(notification_id, channel, rule, subject, status, detail, created_at, next_attempt_at, finished_at)
       VALUES (@notificationId, @channel, @rule, @subject, @status, @detail, @at, @next, @finished)`,
    );
    this.subjectStmt = db.prepare(`SELECT 1 FROM notification_deliveries WHERE rule = ? AND subject = ? AND created_at >= ? AND ${COUNTED} LIMIT 1`).pluck();
    // Counted up to the limit only: a backlog of thousands in the window costs no more than the limit.
    this.ruleStmt = db.prepare(
      `SELECT COUNT(*) FROM (SELECT DISTINCT notification_id FROM notification_deliveries WHERE rule = ? AND created_at >= ? AND ${COUNTED} LIMIT ?)`,
    ).pluck();
    this.channelStmt = db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM notification_deliveries WHERE channel = ? AND created_at >= ? AND ${COUNTED} LIMIT ?)`).pluck();
    this.dueStmt = db.prepare(
      `SELECT d.id, d.notification_id AS notificationId, d.channel, d.attempts, n.payload, n.message, n.level, n.event
       FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`,
    );
    this.nextDueStmt = db.prepare(`SELECT MIN(next_attempt_at) FROM notification_deliveries WHERE status = 'pending'`).pluck();
    // Several consoles (or the CLI's `notify test`) may share one database: a sender leases a
    // delivery before sending, so only one sends it; a lease left by a crash runs out.
    this.claimStmt = db.prepare(`UPDATE notification_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`);
    this.lastOfChannelStmt = db.prepare(
      `SELECT status, detail, COALESCE(finished_at, created_at) AS at FROM notification_deliveries WHERE channel = ? AND status <> 'suppressed' ORDER BY id DESC LIMIT 1`,
    );
    this.finishStmt = db.prepare(`UPDATE notification_deliveries SET status = @status, attempts = @attempts, detail = @detail, finished_at = @at, next_attempt_at = NULL WHERE id = @id AND status = 'pending'`);
    this.retryStmt = db.prepare(`UPDATE notification_deliveries SET attempts = @attempts, detail = @detail, next_attempt_at = @next WHERE id = @id AND status = 'pending'`);
    this.pendingOfChannelStmt = db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM notification_deliveries WHERE status = 'pending' AND channel = ? LIMIT ?)`).pluck();
    this.dropStmt = db.prepare(
      `UPDATE notification_deliveries SET status = 'dropped', detail = ?, finished_at = ?, next_attempt_at = NULL
       WHERE id IN (SELECT id FROM notification_deliveries WHERE status = 'pending' AND channel = ? ORDER BY id LIMIT ?)`,
    );
    this.recentStmt = db.prepare(`SELECT ${LIST_COLUMNS} FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id ORDER BY d.id DESC LIMIT ?`);
    this.recentFailedStmt = db.prepare(
      `SELECT ${LIST_COLUMNS} FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.status = 'failed' ORDER BY d.id DESC LIMIT ?`,
    );
    this.ofEventStmt = db.prepare(`SELECT ${LIST_COLUMNS} FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.notification_id = ? ORDER BY d.id`);
    // Agent and task events older than the retention go, deliveries with them; SLA alerts stay.
    this.pruneStmt = db.prepare(`DELETE FROM notifications WHERE event IS NOT NULL AND event NOT LIKE 'sla_%' AND created_at < ?`);
  }

  /** The new event's id, or null when an event with that key was stored before. */
  insertEvent(e: NewEvent): number | null {
    const row = this.insertEventStmt.get({
      taskId: e.taskId,
      level: e.level,
      message: e.message,
      channels: JSON.stringify(e.channels),
      at: toSqlTime(e.at),
      key: e.key,
      event: e.event,
      sessionId: e.sessionId,
      payload: JSON.stringify(e.payload),
    }) as { id: number } | undefined;
    return row?.id ?? null;
  }

  describeEvent(id: number, e: { event: string; sessionId: string | null; payload: unknown; channels: string[] }): void {
    this.describeEventStmt.run({ id, event: e.event, sessionId: e.sessionId, payload: JSON.stringify(e.payload), channels: JSON.stringify(e.channels) });
  }

  insertDelivery(d: NewDelivery): void {
    const at = toSqlTime(d.at);
    this.insertDeliveryStmt.run({
      notificationId: d.notificationId,
      channel: d.channel,
      rule: d.rule,
      subject: d.subject,
      status: d.status,
      detail: clip(d.detail),
      at,
      next: d.status === 'pending' ? at : null,
      finished: d.status === 'pending' ? null : at,
    });
  }

  sentForSubject(rule: string, subject: string, since: Date): boolean {
    return this.subjectStmt.get(rule, subject, toSqlTime(since)) !== undefined;
  }

  /** Events the rule sent since, counted up to `atMost`. */
  sentByRule(rule: string, since: Date, atMost: number): number {
    return this.ruleStmt.get(rule, toSqlTime(since), atMost) as number;
  }

  /** Deliveries to the channel since, counted up to `atMost`. */
  sentOnChannel(channel: string, since: Date, atMost: number): number {
    return this.channelStmt.get(channel, toSqlTime(since), atMost) as number;
  }

  due(now: Date, limit: number): DueDelivery[] {
    return this.dueStmt.all(toSqlTime(now), limit) as DueDelivery[];
  }

  /** ISO time of the earliest pending attempt, or null. */
  nextDue(): string | null {
    return fromSqlTime((this.nextDueStmt.get() as string | null) ?? null);
  }

  /** true when this process now holds the delivery until `leaseUntil`. */
  claim(id: number, now: Date, leaseUntil: Date): boolean {
    return this.claimStmt.run(toSqlTime(leaseUntil), id, toSqlTime(now)).changes === 1;
  }

  lastOfChannel(channel: string): { status: DeliveryStatus; detail: string | null; at: string } | null {
    const row = this.lastOfChannelStmt.get(channel) as { status: DeliveryStatus; detail: string | null; at: string } | undefined;
    return row ? { ...row, at: fromSqlTime(row.at) } : null;
  }

  finish(id: number, outcome: { status: 'sent' | 'failed'; attempts: number; detail: string | null }, at: Date): void {
    this.finishStmt.run({ id, status: outcome.status, attempts: outcome.attempts, detail: clip(outcome.detail), at: toSqlTime(at) });
  }

  retryAt(id: number, attempts: number, detail: string, next: Date): void {
    this.retryStmt.run({ id, attempts, detail: clip(detail), next: toSqlTime(next) });
  }

  /** Keeps a channel's queue at `max` pending deliveries: the oldest beyond it are dropped. */
  boundQueue(channel: string, max: number, at: Date): number {
    // Reads at most max + 1 entries of the queue's index, however long the queue grew.
    if ((this.pendingOfChannelStmt.get(channel, max + 1) as number) <= max) return 0;
    return this.dropStmt.run(`queue full: more than ${max} deliveries were waiting for ${channel}`, toSqlTime(at), channel, 1).changes;
  }

  recent(limit: number, failedOnly = false): DeliveryRow[] {
    return ((failedOnly ? this.recentFailedStmt : this.recentStmt).all(limit) as DeliveryRow[]).map(withIsoTimes);
  }

  ofEvent(notificationId: number): DeliveryRow[] {
    return (this.ofEventStmt.all(notificationId) as DeliveryRow[]).map(withIsoTimes);
  }

  /** Deletes agent and task events (and their deliveries) created before `before`. */
  prune(before: Date): number {
    return this.pruneStmt.run(toSqlTime(before)).changes;
  }
}

function withIsoTimes(r: DeliveryRow): DeliveryRow {
  return { ...r, createdAt: fromSqlTime(r.createdAt), finishedAt: fromSqlTime(r.finishedAt), nextAttemptAt: fromSqlTime(r.nextAttemptAt) };
}
