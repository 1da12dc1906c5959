// Sending one event to one webhook or program, with a timeout. The outbox decides
// when to try again; a sender only says what happened and whether trying again may help.
import type { CommandChannel, WebhookChannel } from '../config/schemas/notifications.js';
import { runSpawned, type SpawnResult } from '../tmux/spawner.js';
import type { AttentionEvent } from './event.js';
import { genericBody, linkTo, ntfyRequest, slackBody } from './formats.js';

export interface SendResult {
  ok: boolean;
  /** The reply (`HTTP 200`), or what went wrong. */
  detail: string;
  /** false: the same request would fail the same way (a 404, a program that does not exist). */
  retryable: boolean;
}

/** Of a reply or a program's stderr, this much is kept for the delivery's detail. */
const MAX_REPLY_CHARS = 300;
const MS_PER_SECOND = 1000;

export class MissingEnvironment extends Error {}

/** `${NAME}` parts filled from the environment; a missing variable is an error naming it. */
export function expandEnv(template: string, env: NodeJS.ProcessEnv): string {
  return template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw new MissingEnvironment(`environment variable ${name} is not set`);
    return value;
  });
}

export async function postWebhook(channel: WebhookChannel, event: AttentionEvent, consoleUrl: string | null, env: NodeJS.ProcessEnv = process.env): Promise<SendResult> {
  let url: string;
  let headers: Record<string, string>;
  try {
    url = expandEnv(channel.url, env);
    headers = Object.fromEntries(Object.entries(channel.headers).map(([k, v]) => [k, expandEnv(v, env)]));
  } catch (err) {
    return { ok: false, detail: (err as Error).message, retryable: true };
  }
  const link = linkTo(event, consoleUrl);
  let body: unknown;
  try {
    if (channel.format === 'ntfy') {
      const r = ntfyRequest(url, event, link, channel);
      url = r.url;
      body = r.body;
    } else body = channel.format === 'slack' ? slackBody(event, link) : genericBody(event, link);
  } catch (err) {
    return { ok: false, detail: (err as Error).message, retryable: false };
  }
  const timeoutMs = channel.timeout_seconds * MS_PER_SECOND;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Architect', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const reply = await readSome(res);
    const detail = `HTTP ${res.status}${reply ? `: ${reply}` : ''}`;
    if (res.ok) return { ok: true, detail, retryable: false };
    // A server error, a timeout or "slow down" may pass; any other 4xx is the request itself.
    return { ok: false, detail, retryable: res.status >= 500 || res.status === 408 || res.status === 429 };
  } catch (err) {
    return { ok: false, detail: fetchFailure(err, timeoutMs), retryable: true };
  }
}

/** The start of a reply body, without reading more of it (a hostile receiver can send gigabytes). */
async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < MAX_REPLY_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return oneLine(text);
}

function fetchFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs / MS_PER_SECOND} s`;
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
}

const oneLine = (s: string): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > MAX_REPLY_CHARS ? `${t.slice(0, MAX_REPLY_CHARS)}…` : t;
};

/** Of a program's stderr, about this much is read (its detail keeps MAX_REPLY_CHARS of it). */
const MAX_STDERR_CHARS = MAX_REPLY_CHARS * 4;

/**
 * Runs the channel's program (no shell) with the event as one JSON object on stdin. In
 * the console it is forked by the spawn helper, not by the console (tmux/spawner.ts: a
 * fork from the console costs its main thread 20-130 ms); elsewhere (the CLI's `notify
 * test`, tests) it is forked here. Either way: its stdout unread, killed (SIGKILL) at
 * timeout_seconds, and the same SendResult.
 */
export function runCommand(channel: CommandChannel, event: AttentionEvent, consoleUrl: string | null, env: NodeJS.ProcessEnv = process.env): Promise<SendResult> {
  let extra: Record<string, string>;
  try {
    extra = Object.fromEntries(Object.entries(channel.env).map(([k, v]) => [k, expandEnv(v, env)]));
  } catch (err) {
    return Promise.resolve({ ok: false, detail: (err as Error).message, retryable: true });
  }
  const [file, ...args] = channel.command as [string, ...string[]];
  const request = {
    file,
    argv: args,
    stdin: JSON.stringify(genericBody(event, linkTo(event, consoleUrl))) + '\n',
    env: { ...env, ...extra, ARCHITECT_EVENT: event.event },
    timeoutMs: channel.timeout_seconds * MS_PER_SECOND,
    maxBytes: MAX_STDERR_CHARS,
    discardStdout: true,
    killSignal: 'SIGKILL' as const,
  };
  return runSpawned(request).then(
    (r) => commandOutcome(file, channel.timeout_seconds, r),
    // The helper died with it: it may or may not have run.
    (err: Error) => ({ ok: false, detail: `cannot run ${file}: ${err.message}`, retryable: true }),
  );
}

/** The same SendResult whichever process forked the program. */
function commandOutcome(file: string, timeoutSeconds: number, r: SpawnResult): SendResult {
  // A program that does not exist or may not be run fails the same way next time.
  if ('error' in r) return { ok: false, detail: `cannot run ${file}: ${r.error}`, retryable: r.errno !== 'ENOENT' && r.errno !== 'EACCES' };
  if (r.killed === 'timeout') return { ok: false, detail: `${file} timed out after ${timeoutSeconds} s`, retryable: true };
  if (r.code === 0 && r.killed === null) return { ok: true, detail: 'exit 0', retryable: false };
  const why = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  return { ok: false, detail: `${file}: ${why}${r.stderr.trim() ? `: ${oneLine(r.stderr)}` : ''}`, retryable: true };
}
