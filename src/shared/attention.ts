// The shapes of operator attention in the contract (src/shared/api.ts): the inbox of
// agents waiting on a dialog, unread marks, answers, and notification deliveries.
// No electron, node or DOM imports.
import { z } from 'zod';

export const DialogOptionView = z.object({
  n: z.number().int(),
  label: z.string(),
  description: z.string().nullable(),
  /** false: shown, but it needs typing in the terminal (e.g. "Type something."). */
  offered: z.boolean(),
});

export const DialogView = z.object({
  /** Fingerprint of what the dialog asks: an answer naming an older one is refused. */
  id: z.string(),
  /** The agents.yaml dialog that read it. */
  dialogId: z.string(),
  kind: z.string(),
  question: z.string(),
  context: z.array(z.string()),
  options: z.array(DialogOptionView),
});
export type DialogView = z.infer<typeof DialogView>;

export const InboxItem = z.object({
  sessionId: z.string(),
  name: z.string(),
  agent: z.string(),
  state: z.string(),
  reason: z.string().nullable(),
  stateSince: z.string().nullable(),
  currentTaskId: z.number().int().nullable(),
  /** null when no dialog of the agent's agents.yaml `dialogs:` could be read off the screen. */
  dialog: DialogView.nullable(),
  unread: z.boolean(),
});
export type InboxItem = z.infer<typeof InboxItem>;

export const UnreadMark = z.object({
  sessionId: z.string(),
  /** The latest event that marked it. */
  event: z.string(),
  detail: z.string().nullable(),
  /** When it first needed a look. */
  since: z.string(),
});
export type UnreadMark = z.infer<typeof UnreadMark>;

export const AnswerResult = z.object({
  /** answered: the dialog left the screen; refused: nothing was sent; unconfirmed: keys sent, the dialog stayed. */
  outcome: z.enum(['answered', 'refused', 'unconfirmed']),
  message: z.string(),
  /** The session's state read after the answer. */
  state: z.string().nullable(),
  dialog: DialogView.nullable(),
});
export type AnswerResult = z.infer<typeof AnswerResult>;

export const DeliveryStatus = z.enum(['pending', 'sent', 'failed', 'suppressed', 'dropped']);

export const DeliveryView = z.object({
  id: z.number().int(),
  notificationId: z.number().int(),
  event: z.string().nullable(),
  level: z.string(),
  title: z.string(),
  message: z.string(),
  sessionId: z.string().nullable(),
  taskId: z.number().int().nullable(),
  channel: z.string(),
  rule: z.string(),
  status: DeliveryStatus,
  attempts: z.number().int(),
  /** The reply, the last error, or why it was suppressed. */
  detail: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

export const ChannelView = z.object({
  name: z.string(),
  type: z.string(),
  /** Where it goes, without secrets (a webhook's host, a program's path). */
  target: z.string(),
  builtin: z.boolean(),
  lastStatus: DeliveryStatus.nullable(),
  lastAt: z.string().nullable(),
  lastDetail: z.string().nullable(),
});
export type ChannelView = z.infer<typeof ChannelView>;

/** A desktop notification for the web console to show (Electron shows its own). */
export const DesktopNotice = z.object({
  id: z.number().int(),
  event: z.string(),
  level: z.string(),
  title: z.string(),
  body: z.string(),
  sessionId: z.string().nullable(),
  taskId: z.number().int().nullable(),
});
export type DesktopNotice = z.infer<typeof DesktopNotice>;

const SessionRef = z.string().min(1).max(200);
const NoParams = z.object({}).strict().default({});

export const attentionCommands = {
  /** Every agent waiting on a dialog, with the dialog read off its screen now. */
  'attention.inbox': { params: NoParams, result: z.object({ items: z.array(InboxItem) }) },
  'attention.unread': { params: NoParams, result: z.object({ marks: z.array(UnreadMark) }) },
  /** The operator opened the session. */
  'attention.markRead': { params: z.object({ sessionId: SessionRef }).strict(), result: z.object({ ok: z.literal(true) }) },
  /** Picks option N of the dialog on the session's screen, if it is still there (and still `dialogId`). */
  'attention.answer': {
    params: z
      .object({
        sessionId: SessionRef,
        option: z.number().int().min(1).max(99),
        dialogId: z.string().regex(/^[0-9a-f]{12}$/).optional(),
        /** Who answers, for the decision record (the transport's name when absent). */
        by: z.string().min(1).max(100).optional(),
      })
      .strict(),
    result: AnswerResult,
    changes: true,
  },
  'notifications.recent': {
    params: z.object({ limit: z.number().int().min(1).max(1000).default(100), failedOnly: z.boolean().default(false) }).strict().default({ limit: 100, failedOnly: false }),
    result: z.object({ deliveries: z.array(DeliveryView) }),
  },
  'notifications.channels': { params: NoParams, result: z.object({ channels: z.array(ChannelView) }) },
  /** Sends a sample event to one channel now (through the outbox, so it is logged like any other). */
  'notifications.test': {
    params: z.object({ channel: z.string().min(1).max(100) }).strict(),
    result: z.object({ deliveries: z.array(DeliveryView) }),
    changes: true,
  },
} as const;

export const attentionEvents = {
  'attention.changed': z.object({ unread: z.number().int(), waiting: z.number().int() }),
  'attention.notification': DesktopNotice,
  'notifications.changed': z.object({ at: z.string() }),
  /** The desktop app's notification was clicked: show what it was about. */
  'attention.open': z.object({ sessionId: z.string().nullable(), taskId: z.number().int().nullable() }),
} as const;
