import { z } from 'zod';

// config/base/notifications.yaml — who hears about what: named channels (the desktop,
// webhooks in generic/Slack/ntfy form, a program fed the event on stdin) and rules that
// pick events for them. Events are sent once per settled episode (src/main/notifications/).

export const NOTIFICATION_EVENTS = [
  'agent_waiting',
  'agent_error',
  'agent_limit',
  'agent_exited_mid_task',
  'task_completed',
  'task_failed',
  'sla_warning',
  'sla_critical',
] as const;
export const NotificationEvent = z.enum(NOTIFICATION_EVENTS);
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/**
 * Channels every config has without declaring them: the dashboard's alert banner, the
 * log, and the desktop (Electron's notifications, or the browser's in the web console).
 * `desktop` may be declared to give it a rate limit; the other two are fixed.
 */
export const BUILTIN_CHANNELS = ['dashboard', 'desktop', 'log'] as const;
export const FIXED_CHANNELS: readonly string[] = ['dashboard', 'log'];

export const ChannelName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'channel names are lowercase words joined by - or _');

const Seconds = (max: number) => z.number().positive().max(max);

export const RateLimit = z
  .object({
    /** At most this many sends… */
    count: z.number().int().min(1).max(100_000),
    /** …in any window of this many minutes; more are recorded as suppressed. */
    per_minutes: z.number().positive().max(7 * 24 * 60),
  })
  .strict();
export type RateLimit = z.infer<typeof RateLimit>;

export const Retry = z
  .object({
    /** Retries after the first try (0: one try only). */
    attempts: z.number().int().min(0).max(20).default(4),
    /** Wait before the first retry; doubles each time, up to max_backoff_seconds. */
    backoff_seconds: Seconds(3600).default(1),
    max_backoff_seconds: Seconds(24 * 3600).default(300),
  })
  .strict();
export type Retry = z.infer<typeof Retry>;

const RETRY_DEFAULTS = { attempts: 4, backoff_seconds: 1, max_backoff_seconds: 300 };

/** `${NAME}` in a URL or header is read from the environment when sending, so secrets stay out of the file. */
const EnvTemplate = z.string().min(1).max(2000);

/** A program's argument or environment value: a NUL byte can never reach a program (it would fail, and be retried, forever). */
const NO_NUL = [(v: string) => !v.includes('\0'), 'a NUL byte (\\0) cannot be passed to a program'] as const;

const WebhookChannel = z
  .object({
    type: z.literal('webhook'),
    /** http(s) URL; `${ENV_VAR}` parts are filled from the environment (a Slack URL is a secret). */
    url: EnvTemplate.refine((u) => /^https?:\/\//.test(u) || /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(u), 'a webhook url starts with http:// or https:// (or is ${ENV_VAR})'),
    /** generic: one JSON object; slack: an incoming-webhook text; ntfy: title, priority, tags, click URL. */
    format: z.enum(['generic', 'slack', 'ntfy']).default('generic'),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name is letters, digits and -'), EnvTemplate).default({}),
    timeout_seconds: Seconds(60).default(5),
    retry: Retry.default(RETRY_DEFAULTS),
    rate_limit: RateLimit.optional(),
    /** ntfy only: 1–5 or min/low/default/high/urgent (the event's own when absent). */
    priority: z.union([z.number().int().min(1).max(5), z.enum(['min', 'low', 'default', 'high', 'urgent'])]).optional(),
    /** ntfy only: extra tags (emoji short codes or words). */
    tags: z.array(z.string().min(1).max(50)).max(10).optional(),
    description: z.string().optional(),
  })
  .strict();

const CommandChannel = z
  .object({
    type: z.literal('command'),
    /** The program and its arguments, run without a shell; the event arrives as JSON on stdin. */
    command: z.array(z.string().min(1).max(4000).refine(...NO_NUL)).min(1).max(100),
    /** Extra environment for the program (`${ENV_VAR}` filled from Architect's own). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name is letters, digits and _'), EnvTemplate.refine(...NO_NUL)).default({}),
    timeout_seconds: Seconds(600).default(10),
    retry: Retry.default(RETRY_DEFAULTS),
    rate_limit: RateLimit.optional(),
    description: z.string().optional(),
  })
  .strict();

const DesktopChannel = z
  .object({
    type: z.literal('desktop'),
    rate_limit: RateLimit.optional(),
    description: z.string().optional(),
  })
  .strict();

export const Channel = z.discriminatedUnion('type', [WebhookChannel, CommandChannel, DesktopChannel]);
export type Channel = z.infer<typeof Channel>;
export type WebhookChannel = z.infer<typeof WebhookChannel>;
export type CommandChannel = z.infer<typeof CommandChannel>;

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day is HH:MM (24 h)');
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return `unknown time zone "${zone}" (use an IANA name such as Europe/Berlin or UTC)`;
  }
}

export const QuietHours = z
  .object({
    /** Quiet from this time of day… */
    from: ClockTime,
    /** …until this one (earlier than `from`: over midnight). */
    to: ClockTime,
    /** The days on which quiet starts (all when absent). */
    days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
    /** IANA time zone; the machine's own when absent. */
    timezone: z
      .string()
      .optional()
      .superRefine((zone, ctx) => {
        const problem = zone === undefined ? null : timeZoneProblem(zone);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    /** Events that still go out during quiet hours. */
    except: z.array(NotificationEvent).default([]),
  })
  .strict();
export type QuietHours = z.infer<typeof QuietHours>;

/** A shell-style pattern over names: `*` any run of characters, `?` one. */
const NamePattern = z.string().min(1).max(200);

export const NotificationRule = z
  .object({
    /** Shown with each delivery; `rules[i]` when absent. */
    name: z.string().min(1).max(100).optional(),
    on: z.array(NotificationEvent).min(1),
    channels: z.array(ChannelName).min(1),
    /** Only these sessions (names or patterns like `dev_*`). */
    sessions: z.array(NamePattern).optional(),
    /** Only these agents (claude, codex, gemini, …). */
    agents: z.array(NamePattern).optional(),
    /** Only events about a task of these types (an event without a task never matches). */
    task_types: z.array(NamePattern).optional(),
    /** Only these projects (by name), of the task or of the session's folder. */
    projects: z.array(NamePattern).optional(),
    /** Only these reasons (approval, question, trust, auth, rate_limit, …). */
    reasons: z.array(NamePattern).optional(),
    /** Overrides the file's quiet_hours for this rule. */
    quiet_hours: QuietHours.optional(),
    /** true: this rule is never quiet (an on-call page). */
    ignore_quiet_hours: z.boolean().default(false),
    /** The same event about the same session or task again within this window is not sent. */
    dedupe_minutes: z.number().min(0).max(7 * 24 * 60).default(0),
    rate_limit: RateLimit.optional(),
  })
  .strict();
export type NotificationRule = z.infer<typeof NotificationRule>;

export const NotificationsFile = z
  .object({
    version: z.union([z.string(), z.number()]).transform(String),
    /**
     * An agent's state must hold this long before it is an event (a flicker never is).
     * Known flickers (a spinner frame read as idle, a redraw) last 100–200 ms; half a
     * second keeps them out and still gets a waiting agent to a phone within ~1 s.
     */
    settle_seconds: z.number().min(0).max(60).default(0.5),
    /** Where links in messages point (the console as its readers reach it); the serving URL when absent. */
    console_url: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'console_url is an http:// or https:// URL')
      .optional(),
    /** Applies to every rule without its own. */
    quiet_hours: QuietHours.optional(),
    channels: z.record(ChannelName, Channel).default({}),
    rules: z.array(NotificationRule).default([]),
  })
  .strict();
export type NotificationsFile = z.infer<typeof NotificationsFile>;

/** No notifications.yaml: no rules; the built-in channels still serve SLA alerts. */
export const NO_NOTIFICATIONS: NotificationsFile = { version: '1.0', settle_seconds: 0.5, channels: {}, rules: [] };
