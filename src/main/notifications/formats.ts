// What each channel receives for an event: the generic JSON object, a Slack
// incoming-webhook message, an ntfy publication, the command's stdin. Pure.
import type { AttentionEvent, EventLevel } from './event.js';

/** The console's page for the event: its session, else its task. */
export function linkTo(event: AttentionEvent, consoleUrl: string | null): string | null {
  if (!consoleUrl) return null;
  const base = consoleUrl.replace(/\/+$/, '');
  if (event.session) return `${base}/#/sessions/${encodeURIComponent(event.session.id)}`;
  if (event.task) return `${base}/#/tasks/${event.task.id}`;
  return `${base}/`;
}

/** One flat JSON object (`format: generic`, and a command's stdin): easy to read from any script. */
export function genericBody(event: AttentionEvent, link: string | null): Record<string, unknown> {
  return {
    event: event.event,
    level: event.level,
    title: event.title,
    message: event.message,
    time: event.at,
    session: event.session?.name ?? null,
    session_id: event.session?.id ?? null,
    agent: event.session?.agent ?? null,
    state: event.session?.state ?? null,
    reason: event.reason,
    task_id: event.task?.id ?? null,
    task_title: event.task?.title ?? null,
    task_type: event.task?.type ?? null,
    project: event.project,
    question: event.dialog?.question ?? null,
    options: event.dialog?.options ?? null,
    link,
    test: event.test === true,
  };
}

const SLACK_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const slackText = (s: string): string => s.replace(/[&<>]/g, (c) => SLACK_ESCAPES[c] ?? c);

/** Slack's incoming webhook: one text in its mrkdwn, the link as "Open in Architect". */
export function slackBody(event: AttentionEvent, link: string | null): { text: string } {
  const lines = [`*${slackText(event.title)}*`, slackText(event.message)];
  if (event.dialog && event.dialog.options.length > 0) lines.push(event.dialog.options.map((o, i) => `${i + 1}. ${slackText(o)}`).join('   '));
  if (link) lines.push(`<${link}|Open in Architect>`);
  return { text: lines.join('\n') };
}

const NTFY_PRIORITY: Record<EventLevel, number> = { info: 3, warning: 4, critical: 5 };
const NTFY_NAMED_PRIORITY: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, urgent: 5 };
const NTFY_LEVEL_TAG: Record<EventLevel, string> = { info: 'white_check_mark', warning: 'warning', critical: 'rotating_light' };

/**
 * ntfy's JSON publishing: POSTed to the server's root with the topic inside, so titles
 * may hold any character (headers may not). `https://ntfy.sh/my-topic` → root
 * `https://ntfy.sh/`, topic `my-topic`.
 */
export function ntfyRequest(
  url: string,
  event: AttentionEvent,
  link: string | null,
  channel: { priority?: number | string; tags?: readonly string[] },
): { url: string; body: Record<string, unknown> } {
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').filter(Boolean);
  const topic = segments.pop();
  if (!topic) throw new Error('an ntfy url ends with the topic, e.g. https://ntfy.sh/my-topic');
  parsed.pathname = `/${segments.map((s) => `${s}/`).join('')}`;
  const priority = typeof channel.priority === 'string' ? NTFY_NAMED_PRIORITY[channel.priority] : channel.priority;
  const body: Record<string, unknown> = {
    topic: decodeURIComponent(topic),
    title: event.title,
    message: event.dialog ? `${event.message}\n${event.dialog.options.map((o, i) => `${i + 1}. ${o}`).join('  ')}` : event.message,
    priority: priority ?? NTFY_PRIORITY[event.level],
    tags: [NTFY_LEVEL_TAG[event.level], event.event, ...(channel.tags ?? [])],
  };
  if (link) body.click = link;
  return { url: parsed.toString(), body };
}
