// The SLA watcher: every few seconds (and on a kick) every open task is held
// against sla_rules.yaml. alert_user steps become stored alerts, sent once to
// their channels; reassign happens once; highlight_task is a color the task
// table shows, recomputed on every tick.
import type Database from 'better-sqlite3';
import type { Alert, TaskSla, TaskStatus } from '../../shared/api.js';
import type { SlaFile } from '../config/schemas/sla.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { compileEscalations, escalate, type CompiledEscalations, type EscalationStep } from '../sla/escalate.js';
import type { SlaTaskFacts } from '../sla/evaluate.js';
import type { Store } from '../store/store.js';
import { OPEN_STATUSES, isHeldStatus } from '../../shared/task-status.js';
import { TaskService } from '../tasks/service.js';
import { fromSqlTime } from '../store/time.js';
import { AlertRepository } from './alert-repository.js';

/** SLA targets are minutes; looking every few seconds shows a level change well within its minute. */
export const SLA_TICK_MS = 5_000;
/** Tasks evaluated between two yields to the event loop (and per write transaction). */
const SLICE_TASKS = 2_000;
/**
 * A console opened on a backlog can find thousands of tasks past their SLA at once:
 * every alert is stored, but the log and the desktop get this many each per pass,
 * then one line saying how many more there were.
 */
const LOUD_ALERTS_PER_PASS = 20;
const DESKTOP_ALERTS_PER_PASS = 3;

interface Pass {
  rules: SlaFile;
  escalations: CompiledEscalations;
  now: Date;
  raised: Alert[];
  highlights: Map<number, string>;
  levels: Map<number, TaskSla>;
  logged: number;
  notified: number;
  quiet: number;
}

export interface SlaWatcherOptions {
  store: Store;
  getSnapshot: () => Pick<ConfigSnapshot, 'sla'> | null;
  logger?: Logger;
  clock?: () => Date;
  /** A new alert for the dashboard: the core emits `alerts.changed`. */
  onAlert?: (alert: Alert) => void;
  /** Desktop notifications, where the runtime has them (Electron). */
  notify?: (title: string, body: string) => void;
  /**
   * Sends a stored alert to its channels (the attention outbox, notifications.yaml). When
   * absent, the watcher shows it itself on the dashboard, the desktop and the log.
   */
  send?: (alert: Alert, step: EscalationStep) => void;
  /** A task was put back in the queue by a reassign step: the core kicks the assigner. */
  onReassign?: (taskId: number) => void;
  /** The task core reassigns go through (one over `store` when not given). */
  tasks?: TaskService;
  tickMs?: number;
}

interface OpenTaskRow {
  id: number;
  type: string;
  status: TaskStatus;
  created_at: string;
  started_at: string | null;
  priority: number;
  assigned_to: string | null;
}

export class SlaWatcher {
  readonly alerts: AlertRepository;
  /** Task id → highlight_task color, for the task table. */
  readonly highlights = new Map<number, string>();
  /** Task id → where it stands against its SLA, for `tasks.list` rows. */
  readonly levels = new Map<number, TaskSla>();
  private readonly tasks: TaskService;
  private readonly openTasks: Database.Statement;
  private readonly reassignedBefore: Database.Statement;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private compiled: { rules: SlaFile; escalations: CompiledEscalations } | null = null;
  private readonly problemsLogged = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private passing = false;

  constructor(private readonly options: SlaWatcherOptions) {
    this.alerts = new AlertRepository(options.store);
    this.tasks = options.tasks ?? new TaskService({ store: options.store, config: () => null });
    this.log = (options.logger ?? silentLogger).child({ module: 'sla' });
    this.clock = options.clock ?? (() => new Date());
    this.openTasks = options.store.writer.prepare(
      `SELECT id, type, status, created_at, started_at, priority, assigned_to FROM tasks
       WHERE status IN (${OPEN_STATUSES.map((st) => `'${st}'`).join(',')})`,
    );
    // A reassign is remembered as a decision keyed by its onceKey, so it too survives a restart.
    this.reassignedBefore = options.store.writer.prepare("SELECT 1 FROM decisions WHERE task_id = ? AND kind = 'sla' AND decision = ?").pluck();
  }

  start(): () => void {
    this.timer = setInterval(() => void this.tickInSlices(), this.options.tickMs ?? SLA_TICK_MS);
    void this.tickInSlices();
    this.timer.unref();
    return () => this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A config reload or a task change: look again soon, once. */
  kick(): void {
    if (this.scheduled || !this.timer) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.timer) void this.tickInSlices();
    });
  }

  /**
   * The timer's pass: the same as tick(), but it yields to the event loop every
   * SLICE_TASKS tasks, so 100k open tasks (~0.7 s of CEL on 2 cores) never hold
   * up pushes, RPCs or the terminal. One pass at a time.
   */
  async tickInSlices(): Promise<void> {
    if (this.passing) return;
    const rules = this.options.getSnapshot()?.sla;
    if (!rules) return;
    this.passing = true;
    try {
      const rows = this.openTasks.all() as OpenTaskRow[];
      const pass = this.beginPass(rules);
      for (let i = 0; i < rows.length; i += SLICE_TASKS) {
        this.options.store.transaction(() => {
          for (const row of rows.slice(i, i + SLICE_TASKS)) this.evaluateRow(row, pass);
        });
        if (i + SLICE_TASKS < rows.length) await new Promise<void>((resolve) => setImmediate(resolve));
        if (!this.timer) return;
      }
      this.endPass(pass);
    } catch (err) {
      this.log.error('SLA check failed', { err });
    } finally {
      this.passing = false;
    }
  }

  /** One pass over every open task; returns the alerts raised by it. */
  tick(): Alert[] {
    const rules = this.options.getSnapshot()?.sla;
    if (!rules) return [];
    try {
      return this.evaluateAll(rules);
    } catch (err) {
      this.log.error('SLA check failed', { err });
      return [];
    }
  }

  private evaluateAll(rules: SlaFile): Alert[] {
    const pass = this.beginPass(rules);
    this.options.store.transaction(() => {
      for (const row of this.openTasks.all() as OpenTaskRow[]) this.evaluateRow(row, pass);
    });
    this.endPass(pass);
    return pass.raised;
  }

  private beginPass(rules: SlaFile): Pass {
    if (this.compiled?.rules !== rules) this.compiled = { rules, escalations: compileEscalations(rules) };
    const { escalations } = this.compiled;
    for (const p of escalations.problems) this.logProblemOnce(p.ruleIndex, p.message);
    return { rules, escalations, now: this.clock(), raised: [], highlights: new Map(), levels: new Map(), logged: 0, notified: 0, quiet: 0 };
  }

  /** The pass's maps replace the old ones whole: readers never see half a pass. */
  private endPass(pass: Pass): void {
    if (pass.quiet > 0) this.log.warn(`SLA: ${pass.quiet} more alert(s) in this pass; see Alerts in the console`);
    this.highlights.clear();
    for (const [k, v] of pass.highlights) this.highlights.set(k, v);
    this.levels.clear();
    for (const [k, v] of pass.levels) this.levels.set(k, v);
  }

  private evaluateRow(row: OpenTaskRow, pass: Pass): void {
    const facts: SlaTaskFacts = {
      id: row.id,
      type: row.type,
      status: row.status,
      createdAt: fromSqlTime(row.created_at),
      startedAt: row.started_at ? fromSqlTime(row.started_at) : null,
      priority: row.priority,
      assignedTo: row.assigned_to,
    };
    const result = escalate(facts, pass.rules, pass.escalations, pass.now);
    for (const p of result.problems) this.logProblemOnce(p.ruleIndex, p.message);
    const e = result.evaluation;
    if (!e) return;
    let color: string | null = null;
    for (const step of result.steps) {
      if (step.action === 'highlight_task' && step.color) color = step.color;
      else if (step.action === 'alert_user') {
        const alert = this.raise(row.id, step, pass);
        if (alert) pass.raised.push(alert);
      } else if (step.action === 'reassign') this.reassign(row, step, pass.now);
    }
    if (color) pass.highlights.set(row.id, color);
    pass.levels.set(row.id, { targetMinutes: e.targetMinutes, elapsedMinutes: e.elapsedMinutes, percentUsed: e.percentUsed, level: e.level, highlight: color });
  }

  private raise(taskId: number, step: EscalationStep, pass: Pass): Alert | null {
    const now = pass.now;
    if (!step.onceKey) return null;
    const alert = this.alerts.raise(
      { taskId, kind: 'sla', level: step.level, message: step.message, channels: step.channels, dedupeKey: step.onceKey },
      now,
    );
    if (!alert) return null;
    this.tasks.record({ kind: 'sla', taskId, session: null, decision: 'alert', reason: `SLA ${step.level}: ${step.message}` }, now);
    if (this.options.send) {
      try {
        this.options.send(alert, step);
      } catch (err) {
        this.log.warn('an alert could not be sent', { task: taskId, err });
      }
      return alert;
    }
    for (const channel of step.channels) {
      try {
        if (channel === 'dashboard') this.options.onAlert?.(alert);
        else if (channel === 'desktop') {
          if (pass.notified++ < DESKTOP_ALERTS_PER_PASS) this.options.notify?.(`Architect: task #${taskId} ${step.level}`, step.message);
        } else if (channel === 'log') {
          if (pass.logged++ < LOUD_ALERTS_PER_PASS) this.log[step.level === 'critical' ? 'error' : 'warn'](`SLA ${step.level}: ${step.message}`, { task: taskId });
          else pass.quiet++;
        }
      } catch (err) {
        this.log.warn('an alert channel failed', { channel, task: taskId, err });
      }
    }
    return alert;
  }

  private reassign(row: OpenTaskRow, step: EscalationStep, now: Date): void {
    const key = step.onceKey;
    if (!key || this.reassignedBefore.get(row.id, key)) return;
    // The move and its once-key row in one transaction: a restart neither repeats nor loses it.
    const moved = this.options.store.transaction(() => (step.toSession ? this.reassignTo(row, step, key, step.toSession, now) : this.reassignAny(row, step, key, now)));
    if (moved) this.options.onReassign?.(row.id);
  }

  /** To a named session: taken back from whoever holds it (or, queued, kept) for that one. */
  private reassignTo(row: OpenTaskRow, step: EscalationStep, key: string, to: string, now: Date): boolean {
    const sent = this.tasks.sendTo(row.id, to, { kind: 'sla', who: `SLA (${step.level})` }, now);
    this.tasks.record({ kind: 'sla', taskId: row.id, session: to, decision: key, reason: `SLA ${step.level} reassign to ${to}: ${step.message}; ${sent.reason}` }, now);
    return sent.outcome === 'sent';
  }

  /** Back to routing: taken from the session holding it, if one does. */
  private reassignAny(row: OpenTaskRow, step: EscalationStep, key: string, now: Date): boolean {
    const holder = row.assigned_to;
    const held = holder !== null && isHeldStatus(row.status);
    const outcome = held ? `taking it from ${holder}` : `nothing to do: the task is ${row.status} and held by no session`;
    this.tasks.record({ kind: 'sla', taskId: row.id, session: holder, decision: key, reason: `SLA ${step.level} reassign: ${step.message}; ${outcome}` }, now);
    if (!held) return false;
    const reason = `back to the queue: reassigned by SLA (${step.level}), taken from ${holder}`;
    return this.tasks.requeue(row.id, holder, { reason, error: null, notBefore: null, kind: 'sla', charge: false }, now);
  }

  private logProblemOnce(ruleIndex: number, message: string): void {
    const key = `${ruleIndex}:${message}`;
    if (this.problemsLogged.has(key)) return;
    this.problemsLogged.add(key);
    this.log.warn(`sla_rules.yaml escalation_rules[${ruleIndex}]: ${message}`);
  }
}
