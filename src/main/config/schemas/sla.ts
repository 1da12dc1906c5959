import { z } from 'zod';
import { BUILTIN_CHANNELS, ChannelName } from './notifications.js';

// config/base/sla_rules.yaml — how long each task type may take (seed 000 part 2.1 A).

// A share of the SLA target: 0–100 (beyond the target is expressed in escalation_rules).
const Percent = z.number().min(0, 'a percentage is 0–100').max(100, 'a percentage is 0–100');

export const SlaTarget = z
  .object({
    target_minutes: z.number().positive(),
    warning_percent: Percent.default(80),
    critical_percent: Percent.default(100),
    description: z.string().optional(),
  })
  .strict();
export type SlaTarget = z.infer<typeof SlaTarget>;

export const EscalationAction = z.enum(['alert_user', 'highlight_task', 'reassign']);
export type EscalationAction = z.infer<typeof EscalationAction>;

/**
 * dashboard, log, desktop, or a channel named in notifications.yaml (checked across
 * the files). The built-ins are listed so editors offer them.
 */
export const NotificationChannel = z.union([z.enum(BUILTIN_CHANNELS), ChannelName]);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

export const EscalationRule = z
  .object({
    /** A CEL expression over the task's facts (percent_used, warning_percent, critical_percent, …). */
    condition: z.string().min(1),
    action: EscalationAction,
    notification_channels: z.array(NotificationChannel).optional(),
    /** A CSS color name or #hex, for highlight_task. */
    color: z.string().optional(),
    /** Session to reassign to, for reassign (else the router picks). */
    to_session: z.string().optional(),
    message: z.string().optional(),
  })
  .strict();
export type EscalationRule = z.infer<typeof EscalationRule>;

export const SlaFile = z
  .object({
    version: z.string(),
    /** Per task type; `default` applies to types not listed. */
    sla_targets: z.record(z.string(), SlaTarget),
    escalation_rules: z.array(EscalationRule).default([]),
  })
  .strict();
export type SlaFile = z.infer<typeof SlaFile>;
