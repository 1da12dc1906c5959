// The outbox worker: sends pending deliveries, a few at a time, off the event loop's
// critical path (detection and routing never wait for a webhook). A failure that may
// pass is tried again with back-off (doubling, capped) until the channel's retry
// budget is spent; every outcome is written to the delivery's row and logged.
import type { Retry } from '../config/schemas/notifications.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { DueDelivery, NotificationOutbox } from '../store/notification-outbox.js';
import type { AttentionEvent, EventLevel } from './event.js';
import type { SendResult } from './senders.js';

export interface ChannelSender {
  send(event: AttentionEvent): Promise<SendResult> | SendResult;
  retry: Retry;
}

/** How to reach a channel under the config in force; null when it is not (or no longer) configured. */
export type SenderLookup = (channel: string) => ChannelSender | null;

/** Deliveries in flight at once, and per channel (a slow webhook does not hold up the desktop). */
const MAX_IN_FLIGHT = 8;
const MAX_IN_FLIGHT_PER_CHANNEL = 2;
/** Due deliveries waiting for a free slot are looked at again this soon (a finished send also looks). */
const BUSY_WAKE_MS = 250;
const MAX_WAKE_MS = 2 ** 31 - 1;
const MS_PER_SECOND = 1000;
/**
 * A delivery being sent is leased for this long (longer than any channel's timeout):
 * a second console on the database leaves it alone, and after a crash it is tried again.
 */
const LEASE_MS = 15 * 60_000;

export function backoffMs(retry: Retry, attempt: number): number {
  const seconds = Math.min(retry.backoff_seconds * 2 ** Math.max(0, attempt - 1), retry.max_backoff_seconds);
  return seconds * MS_PER_SECOND;
}

export class DeliveryWorker {
  private readonly inFlight = new Map<number, string>();
  private readonly sending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly log: Logger;
  private readonly clock: () => Date;

  constructor(
    private readonly options: {
      outbox: NotificationOutbox;
      senders: SenderLookup;
      logger?: Logger;
      clock?: () => Date;
      /** A delivery's row changed (the Attention page reloads). */
      onChange?: () => void;
    },
  ) {
    this.log = (options.logger ?? silentLogger).child({ module: 'notifications' });
    this.clock = options.clock ?? (() => new Date());
  }

  start(): () => Promise<void> {
    this.running = true;
    this.kick();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.sending]);
  }

  /** New deliveries (or a config reload): look now. */
  kick(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), 0);
  }

  /** Resolves once nothing is being sent (tests and `notify test`). */
  async idle(): Promise<void> {
    while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
  }

  private pump(): void {
    this.timer = null;
    if (!this.running) return;
    const free = MAX_IN_FLIGHT - this.inFlight.size;
    let waiting = false;
    if (free > 0) {
      let due: DueDelivery[] = [];
      try {
        due = this.options.outbox.due(this.clock(), MAX_IN_FLIGHT * 4);
      } catch (err) {
        this.log.error('cannot read pending notifications', { err });
      }
      let started = 0;
      for (const d of due) {
        if (this.inFlight.has(d.id)) continue;
        if (started >= free || this.perChannel(d.channel) >= MAX_IN_FLIGHT_PER_CHANNEL) {
          waiting = true;
          continue;
        }
        started++;
        this.startSending(d);
      }
    } else waiting = true;
    this.schedule(waiting);
  }

  private perChannel(channel: string): number {
    let n = 0;
    for (const c of this.inFlight.values()) if (c === channel) n++;
    return n;
  }

  private schedule(busy: boolean): void {
    if (!this.running || this.timer) return;
    let wait: number | null = busy ? BUSY_WAKE_MS : null;
    try {
      const next = this.options.outbox.nextDue();
      if (next !== null) {
        const ms = Date.parse(next) - this.clock().getTime();
        // Past due but in flight (or waiting for a slot): a finished send looks again.
        const until = ms <= 0 ? BUSY_WAKE_MS : Math.min(ms, MAX_WAKE_MS);
        wait = wait === null ? until : Math.min(wait, until);
      }
    } catch {
      // closed under us; stop() follows
    }
    if (wait === null) return;
    this.timer = setTimeout(() => this.pump(), wait);
    this.timer.unref?.();
  }

  private startSending(d: DueDelivery): void {
    this.inFlight.set(d.id, d.channel);
    // An outbox write that throws (the database busy or locked) ends this send, not the
    // console: nobody awaits `p`, so its rejection was an unhandled one, and node exits
    // on those. The row stays as it was and is looked at again.
    const p = this.deliver(d)
      .catch((err: unknown) => {
        this.log.error(`notification to ${d.channel}: the outbox could not be written; it is looked at again`, { delivery: d.id, err });
      })
      .finally(() => {
        this.inFlight.delete(d.id);
        this.sending.delete(p);
        this.options.onChange?.();
        // Look again now, whatever timer is set: while this was sending, the timer was
        // set from its lease (15 min), and a retry it just scheduled is due much sooner.
        this.kick();
      });
    this.sending.add(p);
  }

  private async deliver(d: DueDelivery): Promise<void> {
    const outbox = this.options.outbox;
    const attempts = d.attempts + 1;
    const sender = this.options.senders(d.channel);
    const start = this.clock();
    if (!outbox.claim(d.id, start, new Date(start.getTime() + LEASE_MS))) return; // another console took it
    if (!sender) {
      outbox.finish(d.id, { status: 'failed', attempts: d.attempts, detail: `channel "${d.channel}" is not in notifications.yaml any more` }, this.clock());
      this.log.warn(`notification not sent: channel "${d.channel}" is not configured`, { delivery: d.id });
      return;
    }
    let result: SendResult;
    try {
      result = await sender.send(eventOf(d));
    } catch (err) {
      result = { ok: false, detail: err instanceof Error ? err.message : String(err), retryable: true };
    }
    if (!this.running && !result.ok) return; // stopping: the row stays pending and is tried after a restart
    const now = this.clock();
    const what = { delivery: d.id, channel: d.channel, event: d.event ?? 'alert', attempt: attempts };
    if (result.ok) {
      outbox.finish(d.id, { status: 'sent', attempts, detail: result.detail }, now);
      // In-process channels (dashboard, log, desktop) cannot fail; their sends would only be noise.
      this.log[sender.retry.attempts === 0 && !result.detail.startsWith('HTTP') ? 'debug' : 'info'](`notification sent to ${d.channel}: ${result.detail}`, what);
    } else if (result.retryable && attempts <= sender.retry.attempts) {
      const wait = backoffMs(sender.retry, attempts);
      outbox.retryAt(d.id, attempts, result.detail, new Date(now.getTime() + wait));
      this.log.warn(`notification to ${d.channel} failed (${result.detail}); retrying in ${wait / MS_PER_SECOND} s`, what);
    } else {
      outbox.finish(d.id, { status: 'failed', attempts, detail: result.detail }, now);
      this.log.error(`notification to ${d.channel} failed for good after ${attempts} attempt(s): ${result.detail}`, what);
    }
  }
}

/** The stored event; a row from before payloads were kept becomes a plain message. */
function eventOf(d: DueDelivery): AttentionEvent {
  if (d.payload) {
    try {
      return JSON.parse(d.payload) as AttentionEvent;
    } catch {
      // fall through to the message
    }
  }
  const level: EventLevel = d.level === 'critical' || d.level === 'warning' ? d.level : 'info';
  return {
    event: 'sla_warning',
    key: `notification:${d.notificationId}`,
    subject: `notification:${d.notificationId}`,
    at: new Date().toISOString(),
    level,
    title: 'Architect',
    message: d.message,
    session: null,
    task: null,
    dialog: null,
    reason: null,
    project: null,
  };
}
