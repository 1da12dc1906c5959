// The SLA watch of a console on a shared PostgreSQL queue (issue 17): the shared
// tasks are read from PostgreSQL, the alerts stay this console's own (notifications in
// console.db, as on SQLite: each console alerts its own operator, once per task, level
// and rule). An alert's task_id is the shared task's id (migration 020 took the foreign
// key to the console's own, empty, tasks table off), and its text names it too
// (`task #12 …`). The same crossings as the SQLite watcher (sla-watcher.ts crossingPoints):
// a pass over every open task at start and after a reload, then it wakes at the next
// level crossing (read from created_at and the targets) and when the queue changes
// (any console's or CLI's write, by LISTEN: kick), and evaluates only the tasks that
// crossed or whose status changed (task_events it has not seen). No periodic scan.
// A start-up pass that finds more than BACKLOG_ALERTS tasks of one type newly at a
// level for one rule raises one summary alert for them, as on SQLite.
//
// The `reassign` action moves a held task back to the queue, or sends it to the rule's
// `to_session`, through the task store (options.reassign: the move and its once-key
// decision in one unit of work).
import type { Alert } from '../../shared/api.js';
import type { SlaFile } from '../config/schemas/sla.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { compileEscalations, escalate, type CompiledEscalations, type EscalationStep } from '../sla/escalate.js';
import { AlertRepository } from '../store/alerts.js';
import type { PostgresSlaReads } from '../store/postgres/sla-reads.js';
import { SlaReads, type SlaTargetTypes, type SlaTaskRow } from '../store/sla-reads.js';
import type { Store } from '../store/store.js';
import type { DecisionRecord } from '../store/task-queue.js';
import { fromSqlTime, toSqlTime } from '../store/time.js';
import { isOpenStatus } from '../../shared/task-status.js';
import { BACKLOG_ALERTS, crossingPoints, ruleKeyOf } from './sla-watcher.js';
import { backlogMessage, SlaBacklog } from './sla-backlog.js';

/** Tasks read per page of the start-up pass, and per wake's read of changes. */
const PAGE = 500;
/** A wake never comes sooner than this after the last. */
const MIN_WAKE_MS = 1_000;
/** setTimeout's limit (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** As on SQLite: the log and the desktop get this many alerts per pass, then one line. */
const LOUD_ALERTS_PER_PASS = 20;
const DESKTOP_ALERTS_PER_PASS = 3;

export interface SharedSlaWatcherOptions {
  /** This console's own file: its alerts. */
  store: Store;
  /** The shared queue's tasks. */
  reads: PostgresSlaReads;
  /** A decision about a shared task (the alert beside it in its trail). */
  record: (d: DecisionRecord, now: Date) => Promise<void>;
  getSnapshot: () => Pick<ConfigSnapshot, 'sla'> | null;
  /** The queue's name, for messages. */
  queueName: string;
  logger?: Logger;
  clock?: () => Date;
  onAlert?: (alert: Alert) => void;
  notify?: (title: string, body: string) => void;
  send?: (alert: Alert, step: EscalationStep) => void;
  /**
   * A reassign step (once per task, level and rule: `onceKey`): the task back to the
   * queue, or to the step's toSession, through the task store, with its once-key, in one
   * unit of work. Absent: not applied.
   */
  reassign?: (row: SlaTaskRow, step: EscalationStep, onceKey: string, now: Date) => Promise<boolean>;
  /** A reassign moved a task. */
  onReassign?: (taskId: number) => void;
}

interface Pass {
  rules: SlaFile;
  escalations: CompiledEscalations;
  now: Date;
  raised: Alert[];
  logged: number;
  notified: number;
  quiet: number;
}

export class SharedSlaWatcher {
  readonly alerts: AlertRepository;
  /** This console's own file: the backlog summaries raised so far. */
  private readonly local: SlaReads;
  /** Tasks read since start (a test sees that a wake reads only what crossed or changed). */
  rowsRead = 0;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private compiled: { rules: SlaFile; escalations: CompiledEscalations } | null = null;
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private again = false;
  private watermark: number | null = null;
  private eventCursor = 0;
  private passRules: SlaFile | null = null;
  private wakeAt: number | null = null;
  private readonly backlog = new SlaBacklog();
  private readonly refusedLogged = new Set<number>();
  private readonly problemsLogged = new Set<string>();

  constructor(private readonly options: SharedSlaWatcherOptions) {
    this.alerts = new AlertRepository(options.store);
    this.local = new SlaReads(options.store.writer);
    this.log = (options.logger ?? silentLogger).child({ module: 'sla' });
    this.clock = options.clock ?? (() => new Date());
  }

  start(): () => void {
    this.started = true;
    this.kick();
    return () => this.stop();
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** When the watch next wakes by itself (ms since the epoch), or null. */
  nextWakeAt(): number | null {
    return this.wakeAt;
  }

  /** The queue or the config changed: look again (a full pass after a reload, else only at what changed). */
  kick(): void {
    if (!this.started) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    void (async () => {
      try {
        do {
          this.again = false;
          const rules = this.options.getSnapshot()?.sla ?? null;
          if (!rules || !this.started) break;
          if (this.passRules !== rules || this.watermark === null) await this.fullPass(rules);
          else await this.runDue(rules);
        } while (this.again && this.started);
      } catch (err) {
        this.log.error(`SLA check of the shared queue ${this.options.queueName} failed`, { err });
      } finally {
        this.busy = false;
      }
    })();
  }

  /** Every open task once, in pages; more than BACKLOG_ALERTS newly due one alert get one summary. */
  private async fullPass(rules: SlaFile): Promise<void> {
    const now = this.clock();
    this.eventCursor = await this.options.reads.lastEventId();
    const pass = this.beginPass(rules, now);
    this.backlog.load(this.local.backlogKeys());
    const due = new Map<string, { type: string; step: EscalationStep; ruleKey: string; tasks: number; rows: Array<{ row: SlaTaskRow; step: EscalationStep }> }>();
    // Reassign steps only move held tasks (a few per session): kept until the pass has read every page.
    const moves: Array<{ row: SlaTaskRow; step: EscalationStep }> = [];
    for (let after = 0; ; ) {
      const rows = await this.options.reads.openAfterId(after, PAGE);
      this.rowsRead += rows.length;
      for (const row of rows) {
        for (const step of this.steps(row, pass)) {
          if (step.action === 'reassign') moves.push({ row, step });
          if (step.action !== 'alert_user' || !step.onceKey) continue;
          const ruleKey = ruleKeyOf(step.onceKey);
          if (this.backlog.covers(rules, row.type, step.level, ruleKey, row.created_at)) continue;
          const key = `${row.type}\0${step.level}\0${ruleKey}`;
          const d = due.get(key) ?? { type: row.type, step, ruleKey, tasks: 0, rows: [] };
          d.tasks++;
          if (d.rows.length <= BACKLOG_ALERTS) d.rows.push({ row, step });
          due.set(key, d);
        }
      }
      if (rows.length < PAGE || !this.started) break;
      after = rows[rows.length - 1]!.id;
    }
    this.options.store.transaction(() => {
      for (const d of due.values()) {
        if (d.tasks > BACKLOG_ALERTS) this.raiseBacklog(d, pass);
        else for (const { row, step } of d.rows) this.raise(row, step, pass);
      }
    });
    for (const m of moves) await this.reassign(m.row, m.step, now);
    this.endPass(pass);
    this.passRules = rules;
    this.watermark = now.getTime();
    await this.runDue(rules);
  }

  /** What crossed a level since the last look, and what changed; then the timer for the next crossing. */
  private async runDue(rules: SlaFile): Promise<void> {
    if (this.watermark === null) return;
    const now = this.clock();
    const ids = new Set<number>();
    for (const c of crossingPoints(rules)) {
      for (const id of await this.options.reads.createdBetween(c.types, toSqlTime(new Date(this.watermark - c.afterMs)), toSqlTime(new Date(now.getTime() - c.afterMs)))) ids.add(id);
    }
    for (;;) {
      const events = await this.options.reads.eventsAfterId(this.eventCursor, PAGE);
      for (const e of events) ids.add(e.taskId);
      if (events.length > 0) this.eventCursor = events[events.length - 1]!.id;
      if (events.length < PAGE) break;
    }
    const pass = this.beginPass(rules, now);
    const list = [...ids];
    for (let i = 0; i < list.length; i += PAGE) {
      const rows = await this.options.reads.byIds(list.slice(i, i + PAGE));
      this.rowsRead += rows.length;
      const moves: Array<{ row: SlaTaskRow; step: EscalationStep }> = [];
      this.options.store.transaction(() => {
        for (const row of rows) {
          if (!isOpenStatus(row.status)) continue;
          for (const step of this.steps(row, pass)) {
            if (step.action === 'alert_user') this.raise(row, step, pass);
            else if (step.action === 'reassign') moves.push({ row, step });
          }
        }
      });
      for (const m of moves) await this.reassign(m.row, m.step, now);
    }
    this.endPass(pass);
    this.watermark = now.getTime();
    await this.schedule(rules, now);
  }

  private async schedule(rules: SlaFile, now: Date): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let next: number | null = null;
    const asked = new Map<string, Promise<string | undefined>>();
    for (const c of crossingPoints(rules)) {
      const from = toSqlTime(new Date(now.getTime() - c.afterMs));
      const key = `${typesKey(c.types)}\0${from}`;
      if (!asked.has(key)) asked.set(key, this.options.reads.nextCreatedAfter(c.types, from));
      const created = await asked.get(key)!;
      if (created === undefined) continue;
      const at = Date.parse(fromSqlTime(created)) + c.afterMs;
      if (next === null || at < next) next = at;
    }
    this.wakeAt = next;
    if (next === null || !this.started) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(MIN_WAKE_MS, next - now.getTime()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, delay);
    this.timer.unref();
  }

  /** The escalation steps for a task now (reassign steps logged as not applied when there is no options.reassign). */
  private steps(row: SlaTaskRow, pass: Pass): EscalationStep[] {
    const result = escalate(
      { id: row.id, type: row.type, status: row.status, createdAt: fromSqlTime(row.created_at), startedAt: row.started_at ? fromSqlTime(row.started_at) : null, priority: row.priority, assignedTo: row.assigned_to },
      pass.rules,
      pass.escalations,
      pass.now,
    );
    for (const p of result.problems) this.logOnce(`${p.ruleIndex}:${p.message}`, `sla_rules.yaml escalation_rules[${p.ruleIndex}]: ${p.message}`);
    if (!result.evaluation) return [];
    for (const step of result.steps) {
      if (step.action === 'reassign' && !this.options.reassign && !this.refusedLogged.has(step.ruleIndex)) {
        this.refusedLogged.add(step.ruleIndex);
        this.log.warn(
          `sla_rules.yaml escalation_rules[${step.ruleIndex}]: reassign is not applied on the shared queue ${this.options.queueName} (it runs on SQLite only for now); its alerts still are`,
        );
      }
    }
    return result.steps;
  }

  private async reassign(row: SlaTaskRow, step: EscalationStep, now: Date): Promise<void> {
    if (!this.options.reassign || !step.onceKey) return;
    try {
      if (await this.options.reassign(row, step, step.onceKey, now)) this.options.onReassign?.(row.id);
    } catch (err) {
      this.log.warn('an SLA reassign failed', { task: row.id, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private raise(row: SlaTaskRow, step: EscalationStep, pass: Pass): void {
    if (!step.onceKey || this.backlog.covers(pass.rules, row.type, step.level, ruleKeyOf(step.onceKey), row.created_at)) return;
    // The shared task's id (the Alerts page links to it); the text names it as well, read elsewhere (a webhook, the log).
    const message = step.message.includes(`#${row.id}`) ? step.message : `task #${row.id}: ${step.message}`;
    const alert = this.alerts.raise({ taskId: row.id, kind: 'sla', level: step.level, message, channels: step.channels, dedupeKey: step.onceKey }, pass.now);
    if (!alert) return;
    pass.raised.push(alert);
    this.recordLater({ kind: 'sla', taskId: row.id, session: null, decision: 'alert', reason: `SLA ${step.level}: ${step.message}` }, pass.now);
    this.deliver(alert, { ...step, message }, row.id, pass);
  }

  private raiseBacklog(d: { type: string; step: EscalationStep; ruleKey: string; tasks: number }, pass: Pass): void {
    const through = pass.now.getTime();
    const level = d.step.level;
    const message = backlogMessage(d.tasks, d.type, level);
    const alert = this.alerts.raise({ taskId: null, kind: 'sla', level, message, channels: d.step.channels, dedupeKey: this.backlog.dedupeKey(d.type, level, d.ruleKey, through) }, pass.now);
    this.backlog.add(d.type, level, d.ruleKey, through);
    if (!alert) return;
    pass.raised.push(alert);
    this.deliver(alert, { ...d.step, message }, null, pass);
  }

  private deliver(alert: Alert, step: EscalationStep, taskId: number | null, pass: Pass): void {
    if (this.options.send) {
      try {
        this.options.send(alert, step);
      } catch (err) {
        this.log.warn('an alert could not be sent', { task: taskId, err });
      }
      return;
    }
    for (const channel of step.channels) {
      if (channel === 'dashboard') this.options.onAlert?.(alert);
      else if (channel === 'desktop' && pass.notified++ < DESKTOP_ALERTS_PER_PASS) this.options.notify?.(`Architect: ${taskId === null ? 'backlog' : `task #${taskId}`} ${step.level}`, step.message);
      else if (channel === 'log') {
        if (pass.logged++ < LOUD_ALERTS_PER_PASS) this.log[step.level === 'critical' ? 'error' : 'warn'](`SLA ${step.level}: ${step.message}`, { task: taskId });
        else pass.quiet++;
      }
    }
  }

  /** The alert in the shared task's decision trail; a failure to write it costs the trail a line, not the alert. */
  private recordLater(d: DecisionRecord, now: Date): void {
    this.options.record(d, now).catch((err: unknown) => this.log.warn('could not record an SLA alert in the shared queue', { task: d.taskId, error: err instanceof Error ? err.message : String(err) }));
  }

  private beginPass(rules: SlaFile, now: Date): Pass {
    if (this.compiled?.rules !== rules) this.compiled = { rules, escalations: compileEscalations(rules) };
    for (const p of this.compiled.escalations.problems) this.logOnce(`${p.ruleIndex}:${p.message}`, `sla_rules.yaml escalation_rules[${p.ruleIndex}]: ${p.message}`);
    return { rules, escalations: this.compiled.escalations, now, raised: [], logged: 0, notified: 0, quiet: 0 };
  }

  private endPass(pass: Pass): void {
    if (pass.quiet > 0) this.log.warn(`SLA: ${pass.quiet} more alert(s) in this pass; see Alerts in the console`);
  }

  private logOnce(key: string, message: string): void {
    if (this.problemsLogged.has(key)) return;
    this.problemsLogged.add(key);
    this.log.warn(message);
  }
}

function typesKey(types: SlaTargetTypes): string {
  return 'type' in types ? `=${types.type}` : `!${types.otherThan.join(',')}`;
}
