// Publishing an event: stored once (its key is UNIQUE), its deliveries planned by the
// rules and queued, and its session marked unread — all in one transaction, so a
// crash leaves either the whole event or none of it, and a restart never sends it twice.
import type { NotificationsFile } from '../config/schemas/notifications.js';
import type { AttentionMemory } from '../store/attention.js';
import type { NotificationOutbox } from '../store/notification-outbox.js';
import type { Store } from '../store/store.js';
import type { AttentionEvent } from './event.js';
import { planDeliveries, type PlannedDelivery } from './plan.js';

/** Deliveries waiting per channel before the oldest are dropped (a dead webhook must not grow the queue forever). */
export const MAX_PENDING_PER_CHANNEL = 500;

/** Events that mean "look at this session". */
const MARKS_UNREAD = new Set(['agent_waiting', 'agent_error', 'agent_limit', 'agent_exited_mid_task', 'task_completed', 'task_failed']);

export interface Published {
  notificationId: number;
  deliveries: PlannedDelivery[];
  markedUnread: boolean;
  /** The event is on the dashboard now (its alert banner should be refreshed). */
  onDashboard: boolean;
}

export class EventPublisher {
  constructor(
    private readonly deps: {
      store: Store;
      outbox: NotificationOutbox;
      memory: AttentionMemory;
      file: () => NotificationsFile;
      clock: () => Date;
    },
  ) {}

  /**
   * Stores and plans the event; null when an event with its key was published before.
   * `existingId`: the event is already stored (an SLA alert) and gets its deliveries here.
   */
  publish(event: AttentionEvent, opts: { extraChannels?: readonly string[]; existingId?: number; only?: string } = {}): Published | null {
    const { outbox, memory, store } = this.deps;
    const now = this.deps.clock();
    return store.transaction(() => {
      // A test goes to the one channel asked for, whatever the rules say.
      const deliveries: PlannedDelivery[] = opts.only ? [{ channel: opts.only, rule: 'test', status: 'pending', detail: null }] : planDeliveries({
        facts: {
          event: event.event,
          subject: event.subject,
          session: event.session?.name ?? null,
          agent: event.session?.agent ?? null,
          taskType: event.task?.type ?? null,
          project: event.project,
          reason: event.reason,
        },
        file: this.deps.file(),
        extra: opts.extraChannels,
        history: outbox,
        now,
      });
      const channels = deliveries.filter((d) => d.status === 'pending').map((d) => d.channel);
      let id = opts.existingId ?? null;
      if (id === null) {
        id = outbox.insertEvent({
          key: event.key,
          event: event.event,
          level: event.level,
          message: event.message,
          // A test's example task is not a row of tasks (the column is a foreign key).
          taskId: event.test ? null : (event.task?.id ?? null),
          sessionId: event.session?.id ?? null,
          payload: event,
          channels,
          at: now,
        });
        if (id === null) return null;
      } else outbox.describeEvent(id, { event: event.event, sessionId: event.session?.id ?? null, payload: event, channels });
      for (const d of deliveries) {
        // The dashboard lists the stored event itself: delivered by this transaction, nothing to queue.
        const shown = d.status === 'pending' && d.channel === 'dashboard';
        outbox.insertDelivery({ notificationId: id, channel: d.channel, rule: d.rule, subject: event.subject, status: shown ? 'sent' : d.status, detail: shown ? 'shown on the dashboard' : d.detail, at: now });
        if (d.status === 'pending' && !shown) outbox.boundQueue(d.channel, MAX_PENDING_PER_CHANNEL, now);
      }
      const markedUnread = !event.test && event.session !== null && MARKS_UNREAD.has(event.event);
      if (markedUnread) memory.markUnread(event.session!.id, event.event, event.title, now);
      return { notificationId: id, deliveries, markedUnread, onDashboard: channels.includes('dashboard') };
    });
  }
}
