// An attention event: what happened, to which session and task, in words an
// operator reads on a phone. Built here from the facts; every channel formats the
// same object (formats.ts), and it is stored with the event (notifications.payload).
import type { SessionState } from '../../shared/api.js';
import type { NotificationEvent } from '../config/schemas/notifications.js';

export type EventLevel = 'info' | 'warning' | 'critical';

export interface EventSession {
  id: string;
  name: string;
  agent: string;
  state: SessionState;
  reason: string | null;
  /** What the agent printed (an error's text, a limit's notice), or null. */
  message?: string | null;
  /** When a limit resets (ISO), or null. */
  resetAt?: string | null;
}

export interface EventTask {
  id: number;
  title: string;
  type: string;
  project: string | null;
}

export interface EventDialog {
  kind: string;
  question: string;
  options: string[];
}

export interface AttentionEvent {
  event: NotificationEvent;
  /** Once-key (`notifications.dedupe_key`): the same key is never sent twice. */
  key: string;
  /** What dedupe windows and rate limits count: the event and its session or task. */
  subject: string;
  /** ISO time the state settled or the task changed. */
  at: string;
  level: EventLevel;
  /** A short line (a notification's title). */
  title: string;
  /** One or two sentences. */
  message: string;
  session: EventSession | null;
  task: EventTask | null;
  dialog: EventDialog | null;
  /** approval, question, rate_limit, the task's failure reason… */
  reason: string | null;
  /** The session's project (by its folder) or the task's. */
  project: string | null;
  /** true for `architect notify test` and the console's Send test. */
  test?: boolean;
}

/** Reasons of an `error` state that mean a usage or rate limit (agent_limit, not agent_error). */
export const LIMIT_REASONS: ReadonlySet<string> = new Set(['limit', 'rate_limit', 'usage_limit', 'quota']);

const LEVELS: Record<NotificationEvent, EventLevel> = {
  agent_waiting: 'warning',
  agent_error: 'critical',
  agent_limit: 'warning',
  agent_exited_mid_task: 'critical',
  task_completed: 'info',
  task_failed: 'critical',
  sla_warning: 'warning',
  sla_critical: 'critical',
};

export function levelOf(event: NotificationEvent): EventLevel {
  return LEVELS[event];
}

const words = (reason: string | null): string => (reason ?? '').replace(/_/g, ' ');
const taskLabel = (t: EventTask): string => `task #${t.id} "${t.title}"`;

/** The title and message of an agent event. */
export function describeAgentEvent(
  event: 'agent_waiting' | 'agent_error' | 'agent_limit' | 'agent_exited_mid_task',
  s: EventSession,
  extra: { dialog?: EventDialog | null; task?: EventTask | null },
): { title: string; message: string } {
  const on = extra.task ? ` on ${taskLabel(extra.task)}` : '';
  switch (event) {
    case 'agent_waiting': {
      const what = extra.dialog?.kind ?? s.reason ?? 'input';
      const question = extra.dialog ? `: ${extra.dialog.question}` : '';
      return { title: `${s.name} waits for ${words(what)}`, message: `${s.name} (${s.agent}) waits for ${words(what)}${on}${question}` };
    }
    case 'agent_error': {
      const said = s.message ? `: ${s.message}` : '';
      return { title: `${s.name} stopped on an error`, message: `${s.name} (${s.agent}) stopped on an error${s.reason ? ` (${words(s.reason)})` : ''}${on}${said}` };
    }
    case 'agent_limit': {
      const resets = s.resetAt ? `; it resets at ${s.resetAt.replace('T', ' ').slice(0, 16)} UTC` : '';
      const said = s.message ? `: ${s.message}` : '';
      return {
        title: `${s.name} hit a limit${s.resetAt ? ` until ${s.resetAt.slice(11, 16)} UTC` : ''}`,
        message: `${s.name} (${s.agent}) hit a usage or rate limit${on}${resets}${said}`,
      };
    }
    case 'agent_exited_mid_task':
      return { title: `${s.name} exited mid-task`, message: `${s.agent} in ${s.name} exited${on}` };
  }
}

export function describeTaskEvent(event: 'task_completed' | 'task_failed', t: EventTask, session: string | null, reason: string | null): { title: string; message: string } {
  const by = session ? ` by ${session}` : '';
  if (event === 'task_completed') return { title: `Task #${t.id} completed`, message: `${taskLabel(t)} (${t.type}) completed${by}` };
  return { title: `Task #${t.id} failed`, message: `${taskLabel(t)} (${t.type}) failed${by}${reason ? `: ${reason}` : ''}` };
}

/** `agent_waiting:default:%3`, `task_failed:42`: what dedupe and rate limits count. */
export function subjectOf(event: NotificationEvent, session: { id: string } | null, task: { id: number } | null): string {
  if (event.startsWith('agent_') && session) return `${event}:${session.id}`;
  return task ? `${event}:${task.id}` : event;
}
