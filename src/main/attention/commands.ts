// The attention commands of the contract: the inbox, unread marks, answers, and the
// notification deliveries with their outcomes.
import type { CommandParams, CommandResult, Session } from '../../shared/api.js';
import type { DeliveryView, InboxItem } from '../../shared/attention.js';
import { ApiError } from '../api/dispatch.js';
import { suggestion } from '../config/did-you-mean.js';
import type { NotificationsFile } from '../config/schemas/notifications.js';
import { allChannelNames, describeChannel } from '../notifications/channels.js';
import type { AttentionEvent } from '../notifications/event.js';
import { sampleEvent } from '../notifications/sample.js';
import type { AttentionMemory } from '../store/attention.js';
import type { DeliveryRow, NotificationOutbox } from '../store/notification-outbox.js';
import { dialogView } from './answer.js';
import type { AnswerDesk } from './desk.js';

type Names =
  | 'attention.inbox'
  | 'attention.unread'
  | 'attention.markRead'
  | 'attention.answer'
  | 'notifications.recent'
  | 'notifications.channels'
  | 'notifications.test';
export type AttentionCommands = { [N in Names]: (p: CommandParams<N>) => CommandResult<N> | Promise<CommandResult<N>> };

const NOT_AGENTS = new Set(['shell', 'other']);
const TEST_POLL_MS = 100;
/** Beyond the slowest channel timeout: how long `notifications.test` waits for the first try. */
const TEST_WAIT_MS = 65_000;

export function attentionCommands(deps: {
  outbox: NotificationOutbox;
  memory: AttentionMemory;
  desk: AnswerDesk;
  file: () => NotificationsFile;
  sessions: () => Session[];
  clientName: string;
  publishTest: (channel: string, event: AttentionEvent) => number | null;
  markedRead: () => void;
}): AttentionCommands {
  const find = (ref: string): Session | undefined => deps.sessions().find((s) => s.id === ref || s.name === ref);
  return {
    'attention.inbox': async () => {
      const unread = new Set(deps.memory.unread().map((m) => m.sessionId));
      const waiting = deps.sessions().filter((s) => s.state === 'waiting' && !NOT_AGENTS.has(s.agent));
      const items = await Promise.all(
        waiting.map(async (s): Promise<InboxItem> => {
          const dialog = await deps.desk.readDialog(s);
          return {
            sessionId: s.id,
            name: s.name,
            agent: s.agent,
            state: s.state,
            reason: s.reason,
            stateSince: s.stateSince,
            currentTaskId: s.currentTaskId,
            dialog: dialog ? dialogView(dialog) : null,
            unread: unread.has(s.id),
          };
        }),
      );
      // Longest waiting first: it has held its agent up the most.
      return { items: items.sort((a, b) => (a.stateSince ?? '').localeCompare(b.stateSince ?? '') || a.name.localeCompare(b.name)) };
    },
    // All marks: a client shows those of the sessions it lists (a pane may come back).
    'attention.unread': () => ({ marks: deps.memory.unread() }),
    'attention.markRead': (p) => {
      const id = find(p.sessionId)?.id ?? p.sessionId;
      if (deps.memory.clearUnread(id)) deps.markedRead();
      return { ok: true };
    },
    'attention.answer': async (p) => {
      const session = find(p.sessionId);
      if (!session) throw new ApiError('invalid_params', `no session "${p.sessionId}" (see sessions.list for the names and ids)`);
      const o = await deps.desk.answer(session, { option: p.option, dialogId: p.dialogId }, p.by ?? deps.clientName);
      // Answering is attending to it: the session needs no other look for this.
      if (o.outcome === 'answered' && deps.memory.clearUnread(session.id)) deps.markedRead();
      return { outcome: o.outcome, message: o.message, state: o.state, dialog: o.dialog ? dialogView(o.dialog) : null };
    },
    'notifications.recent': (p) => ({ deliveries: deps.outbox.recent(p.limit, p.failedOnly).map(deliveryView) }),
    'notifications.channels': () => {
      const file = deps.file();
      return {
        channels: allChannelNames(file).map((name) => {
          const last = deps.outbox.lastOfChannel(name);
          return { ...describeChannel(name, file), lastStatus: last?.status ?? null, lastAt: last?.at ?? null, lastDetail: last?.detail ?? null };
        }),
      };
    },
    'notifications.test': async (p) => {
      const known = allChannelNames(deps.file());
      if (!known.includes(p.channel)) throw new ApiError('invalid_params', `no channel "${p.channel}"${suggestion(p.channel, known)}; channels are ${known.join(', ')}`);
      const id = deps.publishTest(p.channel, sampleEvent(p.channel, new Date()));
      if (id === null) throw new ApiError('failed', 'the test event could not be stored; see the log');
      return { deliveries: (await firstAttempt(deps.outbox, id)).map(deliveryView) };
    },
  };
}

/** The event's deliveries once each has been tried (or the wait ran out). */
export async function firstAttempt(outbox: NotificationOutbox, notificationId: number, waitMs = TEST_WAIT_MS): Promise<DeliveryRow[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const rows = outbox.ofEvent(notificationId);
    if (rows.every((r) => r.status !== 'pending' || r.attempts > 0) || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, TEST_POLL_MS));
  }
}

export function deliveryView(r: DeliveryRow): DeliveryView {
  let title = r.message;
  if (r.payload) {
    try {
      const p = JSON.parse(r.payload) as { title?: unknown };
      if (typeof p.title === 'string') title = p.title;
    } catch {
      // an unreadable payload keeps the message as its title
    }
  }
  return {
    id: r.id,
    notificationId: r.notificationId,
    event: r.event,
    level: r.level,
    title,
    message: r.message,
    sessionId: r.sessionId,
    taskId: r.taskId,
    channel: r.channel,
    rule: r.rule,
    status: r.status,
    attempts: r.attempts,
    detail: r.detail,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    nextAttemptAt: r.nextAttemptAt,
  };
}
