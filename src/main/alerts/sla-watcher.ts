// The SLA watcher: the open tasks are held against sla_rules.yaml once at start (and
// after a reload) — counted in groups the conditions cannot tell apart (type, the
// band between two level crossings, the columns a condition names), in a reader
// process when the console has one, and each group evaluated once; after that, work
// is proportional to what changes: it wakes when the next task crosses a level (a
// time known from created_at and the targets, read through the created_at index)
// and evaluates only the tasks that crossed, or whose status change can alter their
// steps (read in SQL from task_events: a requeue, when no condition names the status,
// is not one — a burst of them costs a few statements, not a pass). alert_user
// steps become stored alerts, sent once to their channels — one per task and level,
// except for a backlog found at once (more than BACKLOG_ALERTS tasks of one type
// already at a level when the pass looks), which gets one summary alert covering
// them; reassign happens once per task; highlight_task is a color computed when a
// task row is read (highlightOf). Nothing is kept per task in memory.
//
// One watcher for both engines: the tasks it watches are an SlaQueue (sla-queue.ts),
// the console's own file (SQLite) or a shared PostgreSQL queue (shared-sla-queue.ts),
// read the same way; its alerts are always the console's own (notifications in its
// own file: each console alerts its own operator, once per task, level and rule).
import type { Alert } from '../../shared/api.js';
import type { SlaFile } from '../config/schemas/sla.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { compileEscalations, escalate, type CompiledEscalations, type EscalationStep } from '../sla/escalate.js';
import type { SlaTaskFacts } from '../sla/evaluate.js';
import type { Store } from '../store/store.js';
import { isOpenStatus } from '../../shared/task-status.js';
import { TaskService } from '../tasks/service.js';
import { fromSqlTime, toSqlTime } from '../store/time.js';
import { DEFAULT_TARGET_KEY } from '../sla/evaluate.js';
import { AlertRepository } from '../store/alerts.js';
import { type SlaGroupColumn, type SlaGroupRange, type SlaGroupRow, type SlaGroupSpec, type SlaTargetTypes, type SlaTaskRow } from '../store/sla-reads.js';
import { watched } from '../log/watchdog.js';
import { backlogMessage, SlaBacklog } from './sla-backlog.js';
import { localSlaQueue, reassignTask, type SlaCrossing, type SlaQueue } from './sla-queue.js';

/** Tasks evaluated between two yields to the event loop (and per write transaction): a slice raising an alert per task stays ~10–20 ms. */
const SLICE_TASKS = 100;
/** Groups evaluated between two yields in the start-up pass (one CEL evaluation each). */
const SLICE_GROUPS = 200;
/**
 * A start-up pass (or the pass after a reload) that finds more tasks than this of one
 * type newly at one level for one rule raises one summary alert for them instead of
 * an alert each: 320k alerts nobody reads, written on the console's thread, are what
 * a backlog used to cost. The summary covers those tasks for that level and rule (a
 * later look at one of them does not alert again); tasks that cross later get their own.
 */
export const BACKLOG_ALERTS = 50;
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
/** Task history ids a wake's statement looks at (a window of the rowid; one statement per turn of the event loop). */
const EVENTS_PER_READ = 5_000;

/** Lets the event loop run (requests, timers) before the next slice. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const MS_PER_MINUTE = 60_000;

interface Crossing {
  /** The sla_targets key: a type, or `default`. */
  target: string;
  /** How long after creation: target × percent, or minutes a condition names. */
  afterMs: number;
  reads: SlaCrossing;
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

/** What a start-up pass found for one (type, level, rule): the groups whose tasks are newly due that alert. */
interface Due {
  type: string;
  step: EscalationStep;
  ruleKey: string;
  tasks: number;
  ranges: SlaGroupRange[];
}

export interface SlaWatcherOptions {
  /** The console's own file: its alerts (and its tasks, unless `queue` says otherwise). */
  store: Store;
  /** The tasks watched: a shared queue's, or the console's own (the default, over `store`). */
  queue?: SlaQueue;
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
}

export class SlaWatcher {
  readonly alerts: AlertRepository;
  /** Tasks read by the watcher since start (a test sees that a wake reads only what crossed). */
  rowsRead = 0;
  /** Groups the start-up passes evaluated (a test sees the pass did not evaluate every task). */
  groupsRead = 0;
  /** Task history ids the wakes looked at, in SQL (a test sees the wake read past changes it did not evaluate). */
  eventsScanned = 0;
  private readonly queue: SlaQueue;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private compiled: { rules: SlaFile; escalations: CompiledEscalations } | null = null;
  private crossings: { rules: SlaFile; list: Crossing[] } | null = null;
  private readonly problemsLogged = new Set<string>();
  private started = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** A look is running or about to (kick's loop); `again`: something changed meanwhile. */
  private busy = false;
  private again = false;
  private passing = false;
  /** Level crossings up to this time (ms) have been handled; null until the start-up pass ends. */
  private watermark: number | null = null;
  /** task_events read up to this id (status changes, whoever made them). */
  private eventCursor = 0;
  /** The rules the last full pass used: a reload re-evaluates every open task once. */
  private passRules: SlaFile | null = null;
  private wakeAt: number | null = null;
  /** Backlog summaries raised so far: `type\0level\0rule` → covered through (ms); loaded from the database by each full pass. */
  private readonly backlog = new SlaBacklog();

  constructor(private readonly options: SlaWatcherOptions) {
    this.alerts = new AlertRepository(options.store);
    this.queue = options.queue ?? localSlaQueue(options.store, new TaskService({ store: options.store, config: () => null }));
    this.log = (options.logger ?? silentLogger).child({ module: 'sla' });
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Evaluates every open task once (in slices, yielding between them), then wakes
   * only when a task crosses its next level — the times come from created_at and the
   * targets, read through the created_at index — or when something changes (kick).
   */
  start(): () => void {
    this.started = true;
    this.stopped = false;
    this.kick();
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

  /**
   * A config reload or a task change: look again soon, once (a full pass after a
   * reload, else only at what changed). Kicks while a look runs make one more look.
   */
  kick(): void {
    if (!this.started) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    setImmediate(() => void this.look());
  }

  private async look(): Promise<void> {
    try {
      do {
        this.again = false;
        const rules = this.options.getSnapshot()?.sla ?? null;
        if (!rules || !this.started) break;
        if (this.passRules !== rules || this.watermark === null) await this.fullPass();
        else await this.runDue();
      } while (this.again && this.started);
    } finally {
      this.busy = false;
    }
  }

  /** The old name of the start-up pass (tests, the bench). */
  tickInSlices(): Promise<void> {
    return this.fullPass();
  }

  /**
   * Every open task, counted in groups (type, band between crossings, the columns a
   * condition names) and each group evaluated once: the start-up pass, and the pass
   * after a config reload. A (type, level, rule) with at most BACKLOG_ALERTS tasks
   * newly due an alert gets an alert per task; more get one summary alert. Ends by
   * handling what crossed or changed meanwhile.
   */
  async fullPass(): Promise<void> {
    if (this.passing) return;
    const rules = this.options.getSnapshot()?.sla;
    if (!rules) return;
    this.passing = true;
    try {
      const now = this.clock();
      this.eventCursor = await this.queue.lastEventId();
      const pass = this.beginPass(rules, now);
      this.backlog.load(this.alerts.backlogKeys());
      const spec = this.groupSpec(rules, now);
      const groups = await watched('sla groups', () => this.queue.groups(spec));
      if (this.stopped) return;
      this.groupsRead += groups.length;
      const due = new Map<string, Due>();
      const perTask: SlaGroupRange[] = [];
      for (let i = 0; i < groups.length; i += SLICE_GROUPS) {
        watched('sla groups', () => {
          for (const g of groups.slice(i, i + SLICE_GROUPS)) this.evaluateGroup(g, spec, pass, due, perTask);
        });
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.stopped) return;
      }
      const few: SlaGroupRange[] = [];
      for (const d of due.values()) {
        if (d.tasks > BACKLOG_ALERTS) watched('sla backlog', () => this.store(() => this.raiseBacklog(d, pass)));
        else few.push(...d.ranges);
      }
      // Tasks with an alert each, and tasks a reassign step applies to, one by one (a slice per turn).
      for (const range of [...few, ...perTask]) {
        for (let cursor: { createdAt: string; id: number } | null = null; ; ) {
          const rows = await watched('sla slice', () => this.queue.groupTasks(range, cursor, SLICE_TASKS));
          this.rowsRead += rows.length;
          await this.evaluate(rows, pass);
          if (rows.length < SLICE_TASKS) break;
          const last = rows[rows.length - 1]!;
          cursor = { createdAt: last.created_at, id: last.id };
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.stopped) return;
        }
      }
      this.endPass(pass);
      this.passRules = rules;
      this.watermark = now.getTime();
    } catch (err) {
      this.logFailure(err);
    } finally {
      this.passing = false;
    }
    await this.runDue();
  }

  /** One group's conditions, on a representative (its newest task: within a band every task answers the same). */
  private evaluateGroup(g: SlaGroupRow, spec: SlaGroupSpec, pass: Pass, due: Map<string, Due>, perTask: SlaGroupRange[]): void {
    if (g.band === null) return;
    const facts: SlaTaskFacts = {
      id: 0,
      type: g.type,
      status: g.status ?? 'pending',
      createdAt: fromSqlTime(g.newest),
      startedAt: null,
      priority: g.priority ?? 0,
      assignedTo: g.assigned_to ?? null,
    };
    const result = escalate(facts, pass.rules, pass.escalations, pass.now);
    for (const p of result.problems) this.logProblemOnce(p.ruleIndex, p.message);
    const cutoffs = spec.types.find((t) => t.type === g.type)?.cutoffs ?? spec.fallback ?? [];
    const where: SlaGroupRange['where'] = {};
    for (const c of spec.by) where[c] = g[c] ?? null;
    const range: SlaGroupRange = { type: g.type, after: cutoffs[g.band] ?? '', upTo: g.band === 0 ? '9999' : cutoffs[g.band - 1]!, where };
    let reassign = false;
    for (const step of result.steps) {
      if (step.action === 'reassign') reassign = true;
      if (step.action !== 'alert_user' || !step.onceKey) continue;
      const ruleKey = ruleKeyOf(step.onceKey);
      if (this.backlog.covers(pass.rules, g.type, step.level, ruleKey, g.newest)) continue;
      const key = `${g.type}\0${step.level}\0${ruleKey}`;
      const d = due.get(key) ?? { type: g.type, step, ruleKey, tasks: 0, ranges: [] };
      d.tasks += g.n;
      d.ranges.push(range);
      due.set(key, d);
    }
    if (reassign) perTask.push(range);
  }

  /**
   * The cutoffs of each type's bands at `now`: every crossing (warning, critical, the
   * numbers conditions name) and where each backlog summary's cover ends, so that a
   * group's tasks are all covered or none.
   */
  private groupSpec(rules: SlaFile, now: Date): SlaGroupSpec {
    const at = (ms: number): string => toSqlTime(new Date(ms));
    const byTarget = new Map<string, Set<string>>();
    for (const c of this.crossingsOf(rules)) {
      const set = byTarget.get(c.target) ?? new Set<string>();
      set.add(at(now.getTime() - c.afterMs));
      byTarget.set(c.target, set);
    }
    const own = Object.keys(rules.sla_targets).filter((k) => k !== DEFAULT_TARGET_KEY);
    const types = new Map<string, Set<string>>(own.map((t) => [t, new Set(byTarget.get(t) ?? [])]));
    const hasDefault = Object.hasOwn(rules.sla_targets, DEFAULT_TARGET_KEY);
    for (const { type, level, through } of this.backlog.entries()) {
      const afterMs = levelAfterMs(rules, type, level);
      if (afterMs === null) continue;
      if (!types.has(type)) {
        if (!hasDefault) continue;
        types.set(type, new Set(byTarget.get(DEFAULT_TARGET_KEY) ?? []));
      }
      types.get(type)!.add(at(through - afterMs));
    }
    const sorted = (set: Set<string>): string[] => [...set].sort().reverse();
    return {
      types: [...types].map(([type, set]) => ({ type, cutoffs: sorted(set) })),
      fallback: hasDefault ? sorted(new Set(byTarget.get(DEFAULT_TARGET_KEY) ?? [])) : null,
      by: namedColumns(rules),
    };
  }

  /** One alert for a backlog of tasks at a level; it covers them from now on. */
  private raiseBacklog(d: Due, pass: Pass): void {
    const through = pass.now.getTime();
    const level = d.step.level;
    const message = backlogMessage(d.tasks, d.type, level);
    const alert = this.alerts.raise(
      { taskId: null, kind: 'sla', level, message, channels: d.step.channels, dedupeKey: this.backlog.dedupeKey(d.type, level, d.ruleKey, through) },
      pass.now,
    );
    this.backlog.add(d.type, level, d.ruleKey, through);
    if (!alert) return;
    this.queue.recordAlert({ kind: 'sla', taskId: null, session: null, decision: 'alert', reason: `SLA ${level}: ${message}` }, pass.now);
    pass.raised.push(alert);
    this.deliver(alert, { ...d.step, message }, null, pass);
  }

  private store<T>(fn: () => T): T {
    return this.options.store.transaction(fn);
  }

  /**
   * The wake: tasks whose level (or an escalation condition's threshold) was crossed
   * since the last wake, and tasks whose status change can alter their steps, are
   * evaluated — nothing else is read. Then the timer is set for the next crossing.
   */
  async runDue(): Promise<Alert[]> {
    if (this.passing || this.watermark === null) return [];
    const rules = this.options.getSnapshot()?.sla;
    if (!rules) return [];
    try {
      const now = this.clock();
      const ids = new Set<number>();
      for (const c of this.crossingsOf(rules)) {
        const crossed = await watched('sla wake', () => c.reads.createdBetween(toSqlTime(new Date(this.watermark! - c.afterMs)), toSqlTime(new Date(now.getTime() - c.afterMs))));
        for (const id of crossed) ids.add(id);
      }
      // Status changes since the last wake, read in SQL a window of history ids per turn of
      // the event loop. Only a change that can alter a task's steps is returned: its
      // levels come from created_at, so when no condition names a column a change sets
      // (status, assigned_to, priority) only a task coming back from a finished status
      // (a retry: its crossings passed while it was closed) is read. The start-up
      // recovery's ~45k requeues on the 1M seed are then none, whatever their number.
      const reopenedOnly = namedColumns(rules).length === 0;
      const last = await watched('sla wake', () => this.queue.lastEventId());
      while (this.eventCursor < last) {
        const from = this.eventCursor;
        const through = Math.min(last, from + EVENTS_PER_READ);
        for (const id of await watched('sla wake', () => this.queue.changedTasks(from, through, reopenedOnly))) ids.add(id);
        this.eventsScanned += through - from;
        this.eventCursor = through;
        if (through < last) {
          await nextTurn();
          if (this.stopped) return [];
        }
      }
      const pass = this.beginPass(rules, now);
      const list = [...ids];
      for (let i = 0; i < list.length; i += SLICE_TASKS) {
        if (i > 0) await nextTurn();
        if (this.stopped) return [];
        const rows = await watched('sla wake', () => this.queue.byIds(list.slice(i, i + SLICE_TASKS)));
        this.rowsRead += rows.length;
        await this.evaluate(rows.filter((row) => isOpenStatus(row.status)), pass);
      }
      this.endPass(pass);
      this.watermark = now.getTime();
      await this.schedule(rules, now);
      return pass.raised;
    } catch (err) {
      this.logFailure(err);
      return [];
    }
  }

  /** One pass over every open task, page by page (tests, a CLI); returns the alerts raised by it. */
  async tick(): Promise<Alert[]> {
    const rules = this.options.getSnapshot()?.sla;
    if (!rules) return [];
    try {
      const pass = this.beginPass(rules, this.clock());
      this.backlog.load(this.alerts.backlogKeys());
      for (let after = 0; ; ) {
        const rows = await this.queue.openAfterId(after, IN_CHUNK);
        await this.evaluate(rows, pass);
        if (rows.length < IN_CHUNK) break;
        after = rows[rows.length - 1]!.id;
      }
      this.endPass(pass);
      return pass.raised;
    } catch (err) {
      this.logFailure(err);
      return [];
    }
  }

  /**
   * Rows evaluated now: their alerts in one transaction of this console's file, then
   * their reassign steps, each a unit of work of the task store.
   */
  private async evaluate(rows: readonly SlaTaskRow[], pass: Pass): Promise<void> {
    const moves = watched('sla slice', () =>
      this.store(() => {
        const found: Array<{ row: SlaTaskRow; step: EscalationStep }> = [];
        for (const row of rows) {
          for (const step of this.steps(row, pass)) {
            if (step.action === 'alert_user') this.raise(row, step, pass);
            else if (step.action === 'reassign') found.push({ row, step });
          }
        }
        return found;
      }),
    );
    for (const m of moves) await this.reassign(m.row, m.step, pass.now);
  }

  /**
   * The highlight_task color of a task now (the task table's rows): its conditions
   * evaluated when the row is read, so no color is kept per task in memory.
   */
  highlightOf(task: SlaTaskFacts, now: Date = this.clock()): string | null {
    const rules = this.options.getSnapshot()?.sla;
    if (!rules) return null;
    if (this.compiled?.rules !== rules) this.compiled = { rules, escalations: compileEscalations(rules) };
    return escalate(task, rules, this.compiled.escalations, now).steps.find((s) => s.action === 'highlight_task')?.color ?? null;
  }

  /** The timer for the next crossing: the earliest open task past each (type, threshold) pair's bound. */
  private async schedule(rules: SlaFile, now: Date): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let next: number | null = null;
    for (const c of this.crossingsOf(rules)) {
      const created = await watched('sla wake', () => c.reads.nextCreatedAfter(toSqlTime(new Date(now.getTime() - c.afterMs))));
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

  /**
   * Where levels change: for each target (a type's own, or `default` for the types
   * without one) each threshold — warning and critical, and every number an
   * escalation condition names, as a percent and as minutes — is a time after
   * creation. Two statements per pair: the tasks that crossed it in a time range,
   * and the next one to cross it.
   */
  private crossingsOf(rules: SlaFile): Crossing[] {
    if (this.crossings?.rules === rules) return this.crossings.list;
    const list = crossingPoints(rules).map((c) => ({ target: c.target, afterMs: c.afterMs, reads: this.queue.crossing(c.types) }));
    this.crossings = { rules, list };
    return list;
  }

  private beginPass(rules: SlaFile, now: Date): Pass {
    if (this.compiled?.rules !== rules) this.compiled = { rules, escalations: compileEscalations(rules) };
    const { escalations } = this.compiled;
    for (const p of escalations.problems) this.logProblemOnce(p.ruleIndex, p.message);
    return { rules, escalations, now, raised: [], logged: 0, notified: 0, quiet: 0 };
  }

  private endPass(pass: Pass): void {
    if (pass.quiet > 0) this.log.warn(`SLA: ${pass.quiet} more alert(s) in this pass; see Alerts in the console`);
  }

  /** The escalation steps for a task now. */
  private steps(row: SlaTaskRow, pass: Pass): EscalationStep[] {
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
    return result.evaluation ? result.steps : [];
  }

  private raise(row: SlaTaskRow, step: EscalationStep, pass: Pass): void {
    // A backlog summary already said it for this task, level and rule.
    if (!step.onceKey || this.backlog.covers(pass.rules, row.type, step.level, ruleKeyOf(step.onceKey), row.created_at)) return;
    const { taskId, message } = this.queue.alertOf(row, step.message);
    const alert = this.alerts.raise({ taskId, kind: 'sla', level: step.level, message, channels: step.channels, dedupeKey: step.onceKey }, pass.now);
    if (!alert) return;
    pass.raised.push(alert);
    this.queue.recordAlert({ kind: 'sla', taskId: row.id, session: null, decision: 'alert', reason: `SLA ${step.level}: ${step.message}` }, pass.now);
    this.deliver(alert, { ...step, message }, row.id, pass);
  }

  /** An alert to its channels: through `send` (the attention outbox), or shown here on the dashboard, the desktop and the log. */
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
      try {
        if (channel === 'dashboard') this.options.onAlert?.(alert);
        else if (channel === 'desktop') {
          if (pass.notified++ < DESKTOP_ALERTS_PER_PASS) this.options.notify?.(`Architect: ${taskId === null ? 'backlog' : `task #${taskId}`} ${step.level}`, step.message);
        } else if (channel === 'log') {
          if (pass.logged++ < LOUD_ALERTS_PER_PASS) this.log[step.level === 'critical' ? 'error' : 'warn'](`SLA ${step.level}: ${step.message}`, { task: taskId });
          else pass.quiet++;
        }
      } catch (err) {
        this.log.warn('an alert channel failed', { channel, task: taskId, err });
      }
    }
  }

  /** A reassign step, once per task, level and rule (its once-key decision says it ran). */
  private async reassign(row: SlaTaskRow, step: EscalationStep, now: Date): Promise<void> {
    const key = step.onceKey;
    if (!key) return;
    try {
      if (await this.queue.reassigned(row.id, key)) return;
      if (await this.queue.reassignUnit((w) => reassignTask(w, row, step, key, now))) this.options.onReassign?.(row.id);
    } catch (err) {
      this.log.warn(`an SLA reassign failed on ${this.where()}`, { task: row.id, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private where(): string {
    return this.queue.shared === null ? 'this console' : `the shared queue ${this.queue.shared}`;
  }

  private logFailure(err: unknown): void {
    this.log.error(this.queue.shared === null ? 'SLA check failed' : `SLA check of the shared queue ${this.queue.shared} failed`, { err });
  }

  private logProblemOnce(ruleIndex: number, message: string): void {
    const key = `${ruleIndex}:${message}`;
    if (this.problemsLogged.has(key)) return;
    this.problemsLogged.add(key);
    this.log.warn(`sla_rules.yaml escalation_rules[${ruleIndex}]: ${message}`);
  }
}

/**
 * Where levels change: for each target (a type's own, or `default` for the types
 * without one) each threshold — warning and critical, and every number an escalation
 * condition names, as a percent and as minutes — is a time after creation, read for
 * the tasks of `types`. The SQLite watcher and the shared queue's both wake at these.
 */
export function crossingPoints(rules: SlaFile): Array<{ target: string; afterMs: number; types: SlaTargetTypes }> {
  const literals = new Set<number>();
  for (const rule of rules.escalation_rules) for (const m of rule.condition.matchAll(/(?<![\w.])\d+(?:\.\d+)?(?![\w.])/g)) literals.add(Number(m[0]));
  const own = Object.keys(rules.sla_targets).filter((k) => k !== DEFAULT_TARGET_KEY);
  const list: Array<{ target: string; afterMs: number; types: SlaTargetTypes }> = [];
  for (const [key, target] of Object.entries(rules.sla_targets)) {
    const types = key === DEFAULT_TARGET_KEY ? { otherThan: own } : { type: key };
    const targetMs = target.target_minutes * MS_PER_MINUTE;
    const afters = new Set<number>([target.warning_percent, target.critical_percent, ...literals].map((pct) => (targetMs * pct) / 100));
    for (const m of literals) afters.add(m * MS_PER_MINUTE);
    for (const afterMs of afters) {
      if (!(afterMs > 0) || !Number.isFinite(afterMs)) continue;
      list.push({ target: key, afterMs, types });
    }
  }
  return list;
}

/**
 * The task columns besides the time facts that escalation conditions name (sorted): the
 * start-up pass groups by them, and a wake reads a task whose status changed only when
 * one is named (or the task comes back from a finished status).
 */
export function namedColumns(rules: SlaFile): SlaGroupColumn[] {
  const named = [...rules.escalation_rules.map((r) => r.condition).join(' ').matchAll(/\b(status|priority|assigned_to)\b/g)].map((m) => m[1] as SlaGroupColumn);
  return [...new Set(named)].sort();
}

/** `action:fingerprint` of an alert's once-key (`sla:<task>:<level>:<action>:<fingerprint>`). */
export function ruleKeyOf(onceKey: string): string {
  return onceKey.split(':').slice(3).join(':');
}

/** How long after creation a task of this type reaches this level, or null (no target, or not a level). */
export function levelAfterMs(rules: SlaFile, type: string, level: string): number | null {
  const target = Object.hasOwn(rules.sla_targets, type) ? rules.sla_targets[type] : rules.sla_targets[DEFAULT_TARGET_KEY];
  if (!target) return null;
  const pct = level === 'critical' ? target.critical_percent : level === 'warning' ? target.warning_percent : null;
  return pct === null ? null : (target.target_minutes * MS_PER_MINUTE * pct) / 100;
}

