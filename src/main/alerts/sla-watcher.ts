// The SLA watcher: every open task is held against sla_rules.yaml once at start
// (and after a reload), a slice at a time; after that, work is proportional to what
// changes: it wakes when the next task crosses a level (a time known from created_at
// and the targets, read through the created_at index) and evaluates only the tasks
// that crossed or whose status changed. alert_user steps become stored alerts, sent
// once to their channels; reassign happens once; highlight_task is a color the task
// table shows.
import type { Alert, TaskSla } from '../../shared/api.js';
import type { SlaFile } from '../config/schemas/sla.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { compileEscalations, escalate, type CompiledEscalations, type EscalationStep } from '../sla/escalate.js';
import type { SlaTaskFacts } from '../sla/evaluate.js';
import type { Store } from '../store/store.js';
import { OPEN_STATUSES, isHeldStatus } from '../../shared/task-status.js';
import { TaskService } from '../tasks/service.js';
import { fromSqlTime, toSqlTime } from '../store/time.js';
import { DEFAULT_TARGET_KEY } from '../sla/evaluate.js';
import { AlertRepository } from '../store/alerts.js';
import { SlaReads, type SlaCrossingReads, type SlaTaskRow } from '../store/sla-reads.js';
import { watched } from '../log/watchdog.js';

/** Tasks evaluated between two yields to the event loop (and per write transaction): a slice raising an alert per task stays ~10–20 ms. */
const SLICE_TASKS = 100;
/**
 * A console opened on a backlog can find thousands of tasks past their SLA at once:
 * every alert is stored, but the log and the desktop get this many each per pass,
 * then one line saying how many more there were.
 */
const LOUD_ALERTS_PER_PASS = 20;
const DESKTOP_ALERTS_PER_PASS = 3;

/** A wake never comes sooner than this after the last (levels are minutes apart; crossings in between wait for it). */
const MIN_WAKE_MS = 1_000;
/** setTimeout's limit (~24.8 days); a later crossing is re-armed by the next change anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Ids per `IN (…)` read. */
const IN_CHUNK = 500;
const MS_PER_MINUTE = 60_000;
const OPEN: ReadonlySet<string> = new Set<string>(OPEN_STATUSES);

interface Crossing {
  /** How long after creation: target × percent, or minutes a condition names. */
  afterMs: number;
  reads: SlaCrossingReads;
}

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
}

export class SlaWatcher {
  readonly alerts: AlertRepository;
  /** Task id → highlight_task color, for the task table. */
  readonly highlights = new Map<number, string>();
  /** Task id → where it stood against its SLA when last evaluated, for `tasks.list` rows and /metrics. */
  readonly levels = new Map<number, TaskSla>();
  /** Tasks read by the watcher since start (a test sees that a wake reads only what crossed). */
  rowsRead = 0;
  private readonly tasks: TaskService;
  private readonly reads: SlaReads;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private compiled: { rules: SlaFile; escalations: CompiledEscalations } | null = null;
  private crossings: { rules: SlaFile; list: Crossing[] } | null = null;
  private readonly problemsLogged = new Set<string>();
  private started = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private passing = false;
  /** Level crossings up to this time (ms) have been handled; null until the start-up pass ends. */
  private watermark: number | null = null;
  /** task_events read up to this id (status changes, whoever made them). */
  private eventCursor = 0;
  /** The rules the last full pass used: a reload re-evaluates every open task once. */
  private passRules: SlaFile | null = null;
  private wakeAt: number | null = null;

  constructor(private readonly options: SlaWatcherOptions) {
    this.alerts = new AlertRepository(options.store);
    this.tasks = options.tasks ?? new TaskService({ store: options.store, config: () => null });
    this.log = (options.logger ?? silentLogger).child({ module: 'sla' });
    this.clock = options.clock ?? (() => new Date());
    this.reads = new SlaReads(options.store.writer);
  }

  /**
   * Evaluates every open task once (in slices, yielding between them), then wakes
   * only when a task crosses its next level — the times come from created_at and the
   * targets, read through the created_at index — or when something changes (kick).
   */
  start(): () => void {
    this.started = true;
    this.stopped = false;
    void this.fullPass();
    return () => this.stop();
  }

  stop(): void {
    this.started = false;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** When the watcher next wakes by itself (ms since the epoch), or null: nothing open will cross a level. */
  nextWakeAt(): number | null {
    return this.wakeAt;
  }

  /** A config reload or a task change: look again soon, once (only at what changed). */
  kick(): void {
    if (this.scheduled || !this.started) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.started) return;
      if (this.passRules !== (this.options.getSnapshot()?.sla ?? null)) void this.fullPass();
      else this.runDue();
    });
  }

  /** The old name of the start-up pass (tests, the bench). */
  tickInSlices(): Promise<void> {
    return this.fullPass();
  }

  /**
   * Every open task, a slice at a time (never all of them in memory, never more than
   * SLICE_TASKS per turn of the event loop): the start-up pass, and the pass after a
   * config reload. Ends by handling what crossed or changed meanwhile.
   */
  async fullPass(): Promise<void> {
    if (this.passing) return;
    const rules = this.options.getSnapshot()?.sla;
    if (!rules) return;
    this.passing = true;
    try {
      const since = this.clock().getTime();
      this.eventCursor = this.reads.lastEventId();
      const pass = this.beginPass(rules);
      for (let after = 0; ; ) {
        const rows = watched('sla slice', () => {
          const slice = this.reads.openAfterId(after, SLICE_TASKS);
          this.rowsRead += slice.length;
          pass.now = this.clock();
          this.options.store.transaction(() => {
            for (const row of slice) this.evaluateRow(row, pass);
          });
          return slice;
        });
        if (rows.length < SLICE_TASKS) break;
        after = rows[rows.length - 1]!.id;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.stopped) return;
      }
      this.endPass(pass, true);
      this.passRules = rules;
      this.watermark = since;
    } catch (err) {
      this.log.error('SLA check failed', { err });
    } finally {
      this.passing = false;
    }
    this.runDue();
  }

  /**
   * The wake: tasks whose level (or an escalation condition's threshold) was crossed
   * since the last wake, and tasks whose status changed, are evaluated — nothing else
   * is read. Then the timer is set for the next crossing.
   */
  runDue(): Alert[] {
    if (this.passing || this.watermark === null) return [];
    const rules = this.options.getSnapshot()?.sla;
    if (!rules) return [];
    try {
      return watched('sla wake', () => {
        const now = this.clock();
        const ids = new Set<number>();
        for (const c of this.crossingsOf(rules)) {
          for (const id of c.reads.createdBetween(toSqlTime(new Date(this.watermark! - c.afterMs)), toSqlTime(new Date(now.getTime() - c.afterMs)))) ids.add(id);
        }
        for (;;) {
          const events = this.reads.eventsAfterId(this.eventCursor, SLICE_TASKS);
          for (const e of events) ids.add(e.taskId);
          if (events.length > 0) this.eventCursor = events[events.length - 1]!.id;
          if (events.length < SLICE_TASKS) break;
        }
        const pass = this.beginPass(rules);
        pass.now = now;
        this.options.store.transaction(() => {
          const list = [...ids];
          for (let i = 0; i < list.length; i += IN_CHUNK) {
            const chunk = list.slice(i, i + IN_CHUNK);
            const rows = this.reads.byIds(chunk);
            this.rowsRead += rows.length;
            const open = new Set<number>();
            for (const row of rows) {
              if (!OPEN.has(row.status)) continue;
              open.add(row.id);
              this.evaluateRow(row, pass);
            }
            // Closed (or gone): no longer on the board.
            for (const id of chunk) {
              if (open.has(id)) continue;
              this.highlights.delete(id);
              this.levels.delete(id);
            }
          }
        });
        this.endPass(pass, false);
        this.watermark = now.getTime();
        this.schedule(rules, now);
        return pass.raised;
      });
    } catch (err) {
      this.log.error('SLA check failed', { err });
      return [];
    }
  }

  /** One pass over every open task (tests, a CLI); returns the alerts raised by it. */
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
      for (const row of this.reads.allOpen()) this.evaluateRow(row, pass);
    });
    this.endPass(pass, true);
    return pass.raised;
  }

  /** The timer for the next crossing: the earliest open task past each (type, threshold) pair's bound. */
  private schedule(rules: SlaFile, now: Date): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let next: number | null = null;
    for (const c of this.crossingsOf(rules)) {
      const created = c.reads.nextCreatedAfter(toSqlTime(new Date(now.getTime() - c.afterMs)));
      if (created === undefined) continue;
      const at = Date.parse(fromSqlTime(created)) + c.afterMs;
      if (next === null || at < next) next = at;
    }
    this.wakeAt = next;
    if (next === null || !this.started) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(MIN_WAKE_MS, next - now.getTime()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runDue();
    }, delay);
    this.timer.unref();
  }

  /**
   * Where levels change: for each target (a type's own, or `default` for the types
   * without one) each threshold — warning and critical, and every number an
   * escalation condition names, as a percent and as minutes — is a time after
   * creation. Two statements per pair: the tasks that crossed it in a time range,
   * and the next one to cross it.
   */
  private crossingsOf(rules: SlaFile): Crossing[] {
    if (this.crossings?.rules === rules) return this.crossings.list;
    const literals = new Set<number>();
    for (const rule of rules.escalation_rules) for (const m of rule.condition.matchAll(/(?<![\w.])\d+(?:\.\d+)?(?![\w.])/g)) literals.add(Number(m[0]));
    const own = Object.keys(rules.sla_targets).filter((k) => k !== DEFAULT_TARGET_KEY);
    const list: Crossing[] = [];
    for (const [key, target] of Object.entries(rules.sla_targets)) {
      const types = key === DEFAULT_TARGET_KEY ? { otherThan: own } : { type: key };
      const targetMs = target.target_minutes * MS_PER_MINUTE;
      const afters = new Set<number>([target.warning_percent, target.critical_percent, ...literals].map((pct) => (targetMs * pct) / 100));
      for (const m of literals) afters.add(m * MS_PER_MINUTE);
      for (const afterMs of afters) {
        if (!(afterMs > 0) || !Number.isFinite(afterMs)) continue;
        list.push({ afterMs, reads: this.reads.crossing(types) });
      }
    }
    this.crossings = { rules, list };
    return list;
  }

  private beginPass(rules: SlaFile): Pass {
    if (this.compiled?.rules !== rules) this.compiled = { rules, escalations: compileEscalations(rules) };
    const { escalations } = this.compiled;
    for (const p of escalations.problems) this.logProblemOnce(p.ruleIndex, p.message);
    return { rules, escalations, now: this.clock(), raised: [], highlights: new Map(), levels: new Map(), logged: 0, notified: 0, quiet: 0 };
  }

  /** A full pass's maps replace the old ones whole; a wake's are merged into them. */
  private endPass(pass: Pass, whole: boolean): void {
    if (pass.quiet > 0) this.log.warn(`SLA: ${pass.quiet} more alert(s) in this pass; see Alerts in the console`);
    if (whole) {
      this.highlights.clear();
      this.levels.clear();
    }
    for (const [k, v] of pass.levels) {
      this.levels.set(k, v);
      const color = pass.highlights.get(k);
      if (color) this.highlights.set(k, color);
      else this.highlights.delete(k);
    }
  }

  private evaluateRow(row: SlaTaskRow, pass: Pass): void {
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

  private reassign(row: SlaTaskRow, step: EscalationStep, now: Date): void {
    const key = step.onceKey;
    if (!key || this.reads.reassigned(row.id, key)) return;
    // The move and its once-key row in one transaction: a restart neither repeats nor loses it.
    const moved = this.options.store.transaction(() => (step.toSession ? this.reassignTo(row, step, key, step.toSession, now) : this.reassignAny(row, step, key, now)));
    if (moved) this.options.onReassign?.(row.id);
  }

  /** To a named session: taken back from whoever holds it (or, queued, kept) for that one. */
  private reassignTo(row: SlaTaskRow, step: EscalationStep, key: string, to: string, now: Date): boolean {
    const sent = this.tasks.sendTo(row.id, to, { kind: 'sla', who: `SLA (${step.level})` }, now);
    this.tasks.record({ kind: 'sla', taskId: row.id, session: to, decision: key, reason: `SLA ${step.level} reassign to ${to}: ${step.message}; ${sent.reason}` }, now);
    return sent.outcome === 'sent';
  }

  /** Back to routing: taken from the session holding it, if one does. */
  private reassignAny(row: SlaTaskRow, step: EscalationStep, key: string, now: Date): boolean {
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
