// Which channels hear about an event: the rules of notifications.yaml that match it
// (filters), each one's quiet hours, dedupe window and rate limit, then each channel's
// own rate limit. Pure: the event's facts, the rules, what was sent before and the
// clock in; one planned delivery per channel out, sent or suppressed with the reason.
import type { NotificationEvent, NotificationRule, NotificationsFile, RateLimit } from '../config/schemas/notifications.js';
import { isQuiet } from './quiet-hours.js';

export interface EventFacts {
  event: NotificationEvent;
  subject: string;
  session: string | null;
  agent: string | null;
  taskType: string | null;
  project: string | null;
  reason: string | null;
}

/** What was sent before (sent, pending or failed deliveries; suppressed ones do not count). */
export interface DeliveryHistory {
  sentForSubject(rule: string, subject: string, since: Date): boolean;
  /** Events (not deliveries) the rule sent, counted up to `atMost` (a limit needs no more). */
  sentByRule(rule: string, since: Date, atMost: number): number;
  /** Deliveries to the channel, counted up to `atMost`. */
  sentOnChannel(channel: string, since: Date, atMost: number): number;
}

export interface PlannedDelivery {
  channel: string;
  rule: string;
  status: 'pending' | 'suppressed';
  /** Why it was suppressed. */
  detail: string | null;
}

/**
 * Built-in channels a backlog could flood (an SLA pass over thousands of late tasks):
 * limited unless notifications.yaml declares its own limit. The dashboard keeps every
 * alert (the Alerts page lists them), so it has none.
 */
export const BUILTIN_RATE_LIMITS: Readonly<Record<string, RateLimit>> = {
  desktop: { count: 6, per_minutes: 1 },
  log: { count: 60, per_minutes: 1 },
};

/** The rule an escalation's own notification_channels count as. */
export const SLA_RULE = 'sla_rules.yaml';
const MS_PER_MINUTE = 60_000;

export function ruleName(rule: NotificationRule, index: number): string {
  return rule.name ?? `rules[${index}]`;
}

export function planDeliveries(input: {
  facts: EventFacts;
  file: NotificationsFile;
  /** Channels named by the event's own source (an SLA escalation's notification_channels). */
  extra?: readonly string[];
  history: DeliveryHistory;
  now: Date;
}): PlannedDelivery[] {
  const { facts, file, history, now } = input;
  const planned: PlannedDelivery[] = [];
  const taken = new Set<string>();
  const add = (channel: string, rule: string, why: string | null): void => {
    if (taken.has(channel)) return;
    taken.add(channel);
    planned.push({ channel, rule, status: why ? 'suppressed' : 'pending', detail: why });
  };

  for (const channel of input.extra ?? []) add(channel, SLA_RULE, null);
  file.rules.forEach((rule, index) => {
    if (!matches(rule, facts)) return;
    const name = ruleName(rule, index);
    const why = ruleSuppression(rule, name, file, facts, history, now);
    for (const channel of rule.channels) add(channel, name, why);
  });

  // A channel's own rate limit applies to whatever rule sent to it.
  for (const p of planned) {
    if (p.status !== 'pending') continue;
    const declared = file.channels[p.channel];
    const limit = declared?.rate_limit ?? BUILTIN_RATE_LIMITS[p.channel];
    if (limit && overLimit(limit, (since, atMost) => history.sentOnChannel(p.channel, since, atMost), now)) {
      p.status = 'suppressed';
      p.detail = `channel rate limit: ${limit.count} per ${limit.per_minutes} min`;
    }
  }
  return planned;
}

/** Why the rule sends nothing for this event now, or null. */
function ruleSuppression(rule: NotificationRule, name: string, file: NotificationsFile, facts: EventFacts, history: DeliveryHistory, now: Date): string | null {
  const quiet = rule.ignore_quiet_hours ? undefined : (rule.quiet_hours ?? file.quiet_hours);
  if (quiet && !quiet.except.includes(facts.event) && isQuiet(quiet, now)) return `quiet hours (${quiet.from}–${quiet.to})`;
  if (rule.dedupe_minutes > 0) {
    const since = new Date(now.getTime() - rule.dedupe_minutes * MS_PER_MINUTE);
    if (history.sentForSubject(name, facts.subject, since)) return `sent for ${facts.subject} within the last ${rule.dedupe_minutes} min (dedupe_minutes)`;
  }
  if (rule.rate_limit && overLimit(rule.rate_limit, (since, atMost) => history.sentByRule(name, since, atMost), now)) {
    return `rule rate limit: ${rule.rate_limit.count} per ${rule.rate_limit.per_minutes} min`;
  }
  return null;
}

function overLimit(limit: RateLimit, count: (since: Date, atMost: number) => number, now: Date): boolean {
  return count(new Date(now.getTime() - limit.per_minutes * MS_PER_MINUTE), limit.count) >= limit.count;
}

/** The rule's filters; a filter on a fact the event does not have never matches. */
export function matches(rule: NotificationRule, facts: EventFacts): boolean {
  if (!rule.on.includes(facts.event)) return false;
  return (
    fits(rule.sessions, facts.session) &&
    fits(rule.agents, facts.agent) &&
    fits(rule.task_types, facts.taskType) &&
    fits(rule.projects, facts.project) &&
    fits(rule.reasons, facts.reason)
  );
}

function fits(patterns: readonly string[] | undefined, value: string | null): boolean {
  if (!patterns) return true;
  if (value === null) return false;
  return patterns.some((p) => globToRegExp(p).test(value));
}

const globCache = new Map<string, RegExp>();
const GLOB_CACHE_MAX = 1000;

/** `dev_*` → /^dev_.*$/: `*` any run of characters, `?` one; everything else literal. */
export function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 'u');
    if (globCache.size >= GLOB_CACHE_MAX) globCache.clear();
    globCache.set(glob, re);
  }
  return re;
}
