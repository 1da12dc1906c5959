// The event-loop watchdog: a timer that notices when it fires late, and says what ran
// meanwhile. Long work on the main thread names itself with `watched(name, fn)` (an
// RPC handler, an event's listeners, an SLA slice, an assigner round, a scan); a
// stall over the threshold is logged once with the watched sections that took longest
// since the timer last fired, or "nothing watched ran long" when the time went to
// code that is not watched (GC, a parse, a callback nobody named).
import type { Logger } from './logger.js';
import { UserError } from '../user-error.js';

/** A stall longer than this is logged (DESIGN.md: nothing on the main thread over ~20 ms; 100 ms is a stall). */
export const STALL_THRESHOLD_MS = 100;
/** ARCHITECT_STALL_LOG_MS may lower or raise the threshold within these. */
const MIN_THRESHOLD_MS = 10;
const MAX_THRESHOLD_MS = 60_000;

/**
 * The stall threshold from ARCHITECT_STALL_LOG_MS (troubleshooting: `20` logs every stall
 * over 20 ms with what ran), or STALL_THRESHOLD_MS when it is unset.
 */
export function stallThresholdFrom(env: NodeJS.ProcessEnv): number {
  const given = env.ARCHITECT_STALL_LOG_MS;
  if (given === undefined || given === '') return STALL_THRESHOLD_MS;
  const ms = Number(given);
  if (!/^\d+$/.test(given.trim()) || ms < MIN_THRESHOLD_MS || ms > MAX_THRESHOLD_MS) {
    throw new UserError(`ARCHITECT_STALL_LOG_MS must be a whole number of milliseconds from ${MIN_THRESHOLD_MS} to ${MAX_THRESHOLD_MS} (got "${given}")`);
  }
  return ms;
}

/** How often the watchdog's timer fires: a stall is seen at most this long after it ended. */
export const WATCH_INTERVAL_MS = 50;
/** Sections shorter than this are not remembered (they cannot explain a stall). */
const NOTABLE_SECTION_MS = 10;
/** Sections named in one stall's log line. */
const NAMED_PER_STALL = 5;
/** Stalls logged per minute at most; the rest are counted in the next line. */
const LOGGED_PER_MINUTE = 30;

export interface Section {
  name: string;
  ms: number;
}

export interface Stall {
  ms: number;
  /** The watched sections that ran since the previous check, longest first. */
  ran: Section[];
}

export class LoopWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  private recent: Section[] = [];
  private depth = 0;
  private log: Logger | null = null;
  private minute = 0;
  private loggedThisMinute = 0;
  private unlogged = 0;
  /** Every stall seen since start (for /metrics and tests). */
  stalls = 0;
  longest = 0;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private thresholdMs = STALL_THRESHOLD_MS,
    private readonly intervalMs = WATCH_INTERVAL_MS,
  ) {}

  /** Starts the timer (unref'd: it never keeps a process alive); thresholdMs replaces the threshold it was made with. */
  start(log: Logger, thresholdMs?: number): () => void {
    this.log = log.child({ module: 'watchdog' });
    if (thresholdMs !== undefined) this.thresholdMs = thresholdMs;
    this.stop();
    this.last = this.now();
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
    return () => this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Runs fn and remembers how long it took under this name (the synchronous part: an
   * async function's later turns are their own sections, named where they run).
   * Nested sections count once, under the outermost name.
   */
  watched<T>(name: string, fn: () => T): T {
    if (this.depth > 0) return fn();
    const started = this.now();
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      const ms = this.now() - started;
      if (ms >= NOTABLE_SECTION_MS) this.recent.push({ name, ms });
    }
  }

  /** The timer's turn (public for tests with their own clock): a late turn is a stall. */
  check(): Stall | null {
    const now = this.now();
    const late = now - this.last - this.intervalMs;
    this.last = now;
    const ran = this.recent.sort((a, b) => b.ms - a.ms);
    this.recent = [];
    if (late <= this.thresholdMs) return null;
    const stall: Stall = { ms: Math.round(late), ran: ran.slice(0, NAMED_PER_STALL).map((s) => ({ name: s.name, ms: Math.round(s.ms) })) };
    this.stalls++;
    this.longest = Math.max(this.longest, stall.ms);
    this.report(stall, now);
    return stall;
  }

  private report(stall: Stall, now: number): void {
    if (!this.log) return;
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.loggedThisMinute = 0;
    }
    if (this.loggedThisMinute >= LOGGED_PER_MINUTE) {
      this.unlogged++;
      return;
    }
    this.loggedThisMinute++;
    const what = stall.ran.length ? stall.ran.map((s) => `${s.name} ${s.ms} ms`).join(', ') : 'nothing watched ran long (GC, or work no section names)';
    const more = this.unlogged ? ` (and ${this.unlogged} more stall(s) not logged)` : '';
    this.unlogged = 0;
    this.log.warn(`event loop stalled ${stall.ms} ms: ${what}${more}`, { stallMs: stall.ms, ran: stall.ran.map((s) => s.name).join(',') });
  }
}

/** The process's watchdog: every module names its long work here; the core starts it. */
export const watchdog = new LoopWatchdog();

/** `watchdog.watched`, for brevity at the call sites. */
export function watched<T>(name: string, fn: () => T): T {
  return watchdog.watched(name, fn);
}
