/**
 * When to re-read a pane after it printed: once output pauses for SETTLE_MS (a TUI
 * finished redrawing), but never later than MAX_DELAY_MS after the first change, so
 * an agent whose spinner never pauses still reaches listeners well under 300 ms.
 */
export const SETTLE_MS = 120;
export const MAX_DELAY_MS = 200;

export type SettleCallback = (settled: boolean) => void;

export class SettleTimer {
  private settleTimer: NodeJS.Timeout | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly fire: SettleCallback,
    private readonly settleMs = SETTLE_MS,
    private readonly maxDelayMs = MAX_DELAY_MS,
  ) {}

  /** The pane printed something. */
  touch(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.done(true), this.settleMs);
    this.deadlineTimer ??= setTimeout(() => this.done(false), this.maxDelayMs);
  }

  get pending(): boolean {
    return this.settleTimer !== null;
  }

  cancel(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.settleTimer = null;
    this.deadlineTimer = null;
  }

  private done(settled: boolean): void {
    this.cancel();
    this.fire(settled);
  }
}
