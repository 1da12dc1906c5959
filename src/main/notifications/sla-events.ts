// SLA escalations as attention events: the alert the SLA watcher stored (once per
// task, level and rule) goes to its notification_channels and to every rule of
// notifications.yaml on sla_warning / sla_critical, through the same outbox.
import type { Alert, Session } from '../../shared/api.js';
import type { EscalationStep } from '../sla/escalate.js';
import type { TaskFacts } from '../store/attention.js';
import { levelOf, subjectOf, type AttentionEvent } from './event.js';

export function slaEvent(alert: Alert, step: EscalationStep, facts: TaskFacts | null, sessions: readonly Session[]): AttentionEvent | null {
  if (step.level === 'ok') return null;
  const event = step.level === 'critical' ? ('sla_critical' as const) : ('sla_warning' as const);
  const task = facts ? { id: facts.id, title: facts.title, type: facts.type, project: facts.project } : null;
  const holder = facts?.assignedTo ? sessions.find((s) => s.name === facts.assignedTo) : undefined;
  return {
    event,
    key: `sla:${alert.id}`,
    subject: subjectOf(event, null, task),
    at: alert.createdAt,
    level: levelOf(event),
    title: task ? `Task #${task.id} is ${step.level === 'critical' ? 'over' : 'near'} its SLA` : `SLA ${step.level}`,
    message: alert.message,
    session: holder ? { id: holder.id, name: holder.name, agent: holder.agent, state: holder.state, reason: holder.reason } : null,
    task,
    dialog: null,
    reason: step.level,
    project: task?.project ?? null,
  };
}
