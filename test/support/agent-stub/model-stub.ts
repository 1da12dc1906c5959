import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A model stub on 127.0.0.1 that speaks just enough of three vendor APIs for the real
 * agent CLIs to run offline: Anthropic Messages (Claude Code), OpenAI Responses
 * (Codex) and Gemini generateContent (Gemini CLI), all streamed as SSE.
 *
 * What it does is decided by a marker word in the user's prompt, so a test steers a
 * real CLI through its states by what it types:
 *   SLOW    reply after `slowMs` (the CLI shows its working screen meanwhile)
 *   TOOL    ask to run a shell command (the CLI shows its approval dialog)
 *   ASK     ask the user a multiple-choice question (Claude Code; Codex in Plan mode; Gemini CLI's ask_user)
 *   ERR401 / ERR429 / ERR500   answer with that HTTP status (error screens)
 *   ERR400 (invalid request), ERR529 (overloaded), ERRBILL (credit balance / billing),
 *   ERRCTX (context too long): each vendor's own error body for it
 *   LIMIT   a usage limit with its reset time LIMIT_RESET_S ahead, as each vendor sends it
 *   TASK    (Claude Code) start a subagent (Agent tool) whose own prompt is SLOW: the turn
 *           goes on while it works
 *   BGSHELL (Claude Code) run BACKGROUND_COMMAND with run_in_background, then end the turn
 *   (a request for a summary of the conversation — Claude Code's /compact — waits slowMs/2)
 *   FLAKY   overloaded for the first `flakyFailures` requests of that prompt, then a reply
 *           (an agent that retries shows its retry)
 *   anything else, or a tool result: reply at once with REPLY_TEXT.
 * Only the agent's main conversation (a request that offers tools) is steered; side
 * requests (session titles, routing, next-speaker checks) always get a plain answer,
 * or the title request for a SLOW prompt would hold the turn up twice.
 * ARCHITECT_STUB_LOG=FILE appends every request body to FILE (to see what a new CLI
 * release sends).
 */
export const REPLY_TEXT = 'Stub reply: task done.';
export const TOOL_COMMAND = 'rm -rf ./build-output';
const TOOL_REASON = 'Remove the build output?';

export interface StubRequest {
  method: string;
  url: string;
  marker: Marker | null;
  /** A request for a summary of the conversation (Claude Code's /compact). */
  compact: boolean;
  /** The user's newest words in the agent's main conversation (null for side requests and tool results). */
  prompt: string | null;
  /** The answer has been sent (or the agent hung up): false while the request is in flight. */
  done: boolean;
}

export interface ModelStub {
  url: string;
  port: number;
  /** Every request seen, in order (for a test's failure message). */
  requests: StubRequest[];
  close(): Promise<void>;
}

type Marker = 'SLOW' | 'TOOL' | 'ASK' | ErrorMarker | 'FLAKY' | 'TASK' | 'BGSHELL';
/** Errors the stub answers with (see sendError): HTTP status codes and named kinds. */
type ErrorMarker = 'ERR401' | 'ERR429' | 'ERR500' | 'ERR400' | 'ERR529' | 'ERRBILL' | 'ERRCTX' | 'LIMIT';
const MARKER = /\b(SLOW|TOOL|ASK|ERR401|ERR429|ERR500|ERR400|ERR529|ERRBILL|ERRCTX|LIMIT|FLAKY|TASK|BGSHELL)\b/;
/** What BGSHELL runs in the background (long enough to outlive the turn). */
export const BACKGROUND_COMMAND = 'sleep 120';
/** LIMIT's reset: this long after the request (whole minutes, so the printed time is exact). */
export const LIMIT_RESET_S = 2 * 3600;
const QUESTION = 'Which folder should I clean?';
const CHOICES = [
  { label: 'build-output', description: 'The build output of the last run.' },
  { label: 'dist', description: 'The packaged application.' },
];

export async function startModelStub(opts: { slowMs?: number; flakyFailures?: number; limitResetS?: number } = {}): Promise<ModelStub> {
  const slowMs = opts.slowMs ?? 6000;
  const flakyFailures = opts.flakyFailures ?? 2;
  const flaky = new Map<string, number>();
  const requests: StubRequest[] = [];
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const json = parseJson(body);
      const marker = markerOf(req.url ?? '', json);
      const prompt = offersTools(json) ? lastUserText(req.url ?? '', json) : null;
      const seen: StubRequest = { method: req.method ?? '', url: req.url ?? '', marker, compact: /summary of the conversation/i.test(body), prompt, done: false };
      requests.push(seen);
      res.on('close', () => (seen.done = true));
      if (process.env.ARCHITECT_STUB_LOG) fs.appendFileSync(process.env.ARCHITECT_STUB_LOG, `${req.method} ${req.url}\n${body}\n\n`);
      let effective = marker;
      if (marker === 'FLAKY') {
        const key = lastUserText(req.url ?? '', json) ?? '';
        const n = flaky.get(key) ?? 0;
        flaky.set(key, n + 1);
        effective = n < flakyFailures ? 'ERR529' : null;
      }
      // Claude Code's /compact asks for a summary of the conversation: slow, so its
      // compacting screen can be seen.
      const compacting = effective === null && /summary of the conversation/i.test(body) ? slowMs / 2 : 0;
      void sleep(compacting).then(() => route(req.url ?? '', json, effective, res, slowMs, opts.limitResetS)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

type Json = Record<string, unknown>;

function parseJson(text: string): Json {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Json) : {};
  } catch {
    return {};
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function route(url: string, body: Json, marker: Marker | null, res: http.ServerResponse, slowMs: number, limitResetS?: number): Promise<void> {
  const path = url.split('?')[0] ?? '';
  if (marker?.startsWith('ERR') || marker === 'LIMIT') return sendError(path, marker as ErrorMarker, res, limitResetS);
  if (path.endsWith('/messages/count_tokens')) return sendJson(res, { input_tokens: 100 });
  if (path.endsWith('/messages')) return anthropic(body, marker, res, slowMs);
  if (path.endsWith('/responses')) return openai(marker, res, slowMs, toolName(body));
  if (path.includes(':countTokens')) return sendJson(res, { totalTokens: 100 });
  if (path.includes(':streamGenerateContent')) return geminiStream(marker, res, slowMs);
  if (path.includes(':generateContent')) return geminiSide(body, res);
  if (path.endsWith('/models')) return sendJson(res, { data: [], models: [] });
  sendJson(res, {});
}

// ---- which behaviour a request asks for ------------------------------------------

function markerOf(url: string, body: Json): Marker | null {
  if (!offersTools(body)) return null;
  const text = lastUserText(url, body);
  if (text === null) return null; // the last turn is a tool result: finish the turn
  return (MARKER.exec(text)?.[1] as Marker | undefined) ?? null;
}

function offersTools(body: Json): boolean {
  const tools = body.tools;
  return Array.isArray(tools) && tools.length > 0;
}

/**
 * The user's newest words, or null when a tool result came after them (the agent is
 * finishing a turn). System reminders and empty blocks are skipped, and an
 * interrupted tool call followed by a new prompt counts as the new prompt.
 */
function lastUserText(url: string, body: Json): string | null {
  const strip = (s: string) => s.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
  const entries: Array<{ result: boolean; text: string }> = [];
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  if (Array.isArray(body.messages)) {
    for (const m of body.messages as Json[]) {
      if (m.role !== 'user') continue;
      if (typeof m.content === 'string') entries.push({ result: false, text: m.content });
      else for (const c of (m.content ?? []) as Json[]) entries.push({ result: c.type === 'tool_result', text: text(c.text) });
    }
  } else if (Array.isArray(body.input)) {
    for (const item of body.input as Json[]) {
      if (String(item.type ?? '').endsWith('_output')) entries.push({ result: true, text: '' });
      else if (item.role === 'user') {
        const content = item.content;
        const t = typeof content === 'string' ? content : ((content ?? []) as Json[]).map((c) => text(c.text)).join('\n');
        // Codex sends its environment and instructions as user messages in tags.
        if (!/^\s*</.test(t)) entries.push({ result: false, text: t });
      }
    }
  } else if (Array.isArray(body.contents) || url.includes('GenerateContent')) {
    for (const c of (body.contents ?? []) as Json[]) {
      if (c.role !== 'user') continue;
      for (const p of (c.parts ?? []) as Json[]) entries.push({ result: Boolean(p.functionResponse), text: text(p.text) });
    }
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.result) return null;
    if (strip(e.text)) return strip(e.text);
  }
  return '';
}

// ---- Anthropic Messages -------------------------------------------------------------

/**
 * Every reply gets its own message id: Claude Code merges assistant messages that share
 * one, so a conversation with several tool calls would reach the stub scrambled.
 */
let replies = 0;

async function anthropic(body: Json, marker: Marker | null, res: http.ServerResponse, slowMs: number): Promise<void> {
  const model = typeof body.model === 'string' ? body.model : 'claude-stub';
  const messageId = `msg_stub${++replies}`;
  const tool = marker === 'TOOL' || marker === 'ASK' || marker === 'TASK' || marker === 'BGSHELL';
  const input = marker === 'ASK'
    ? { questions: [{ question: QUESTION, header: 'Folder', options: CHOICES, multiSelect: false }] }
    : marker === 'TASK'
      ? { description: 'Survey the project', prompt: 'SLOW survey the project files', subagent_type: 'general-purpose' }
      : marker === 'BGSHELL'
        ? { command: BACKGROUND_COMMAND, description: 'Wait in the background', run_in_background: true }
        : { command: TOOL_COMMAND, description: TOOL_REASON };
  const name = marker === 'ASK' ? 'AskUserQuestion' : marker === 'TASK' ? 'Agent' : 'Bash';
  const toolUse = { type: 'tool_use', id: `toolu_stub${replies}`, name, input };
  const content = tool ? [toolUse] : [{ type: 'text', text: REPLY_TEXT }];
  const stopReason = tool ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 100, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if (body.stream !== true) {
    if (marker === 'SLOW') await sleep(slowMs);
    return sendJson(res, { id: messageId, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage });
  }
  const sse = startSse(res);
  sse('message_start', { type: 'message_start', message: { id: messageId, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
  if (marker === 'SLOW') await sleep(slowMs);
  if (tool) {
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { ...toolUse, input: {} } });
    sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(toolUse.input) } });
  } else {
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: REPLY_TEXT } });
  }
  sse('content_block_stop', { type: 'content_block_stop', index: 0 });
  sse('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 10 } });
  sse('message_stop', { type: 'message_stop' });
  res.end();
}

// ---- OpenAI Responses ----------------------------------------------------------------

/** The shell tool Codex offers (its name differs between versions). */
function toolName(body: Json): string {
  const names = (Array.isArray(body.tools) ? body.tools : []).map((t: Json) => String(t.name ?? t.type ?? ''));
  return ['shell_command', 'shell', 'exec_command', 'local_shell'].find((n) => names.includes(n)) ?? 'shell';
}

async function openai(marker: Marker | null, res: http.ServerResponse, slowMs: number, shellTool: string): Promise<void> {
  const sse = startSse(res);
  const id = `resp_stub${Date.now()}`;
  sse('response.created', { type: 'response.created', response: { id } });
  if (marker === 'SLOW') await sleep(slowMs);
  let item: Json;
  if (marker === 'ASK') {
    const args = { questions: [{ id: 'folder', header: 'Folder', question: QUESTION, options: CHOICES }] };
    item = { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name: 'request_user_input', arguments: JSON.stringify(args) };
  } else if (marker === 'TOOL') {
    // Asking for escalation with a justification is what makes Codex show its
    // "Would you like to run the following command?" dialog with a Reason line.
    const args =
      shellTool === 'shell_command'
        ? { command: TOOL_COMMAND, sandbox_permissions: 'require_escalated', justification: TOOL_REASON }
        : shellTool === 'exec_command'
          ? { cmd: TOOL_COMMAND, sandbox_permissions: 'require_escalated', justification: TOOL_REASON }
          : { command: ['bash', '-lc', TOOL_COMMAND], sandbox_permissions: 'require_escalated', justification: TOOL_REASON };
    item = { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name: shellTool, arguments: JSON.stringify(args) };
  } else {
    item = { type: 'message', id: `msg_${id}`, role: 'assistant', content: [{ type: 'output_text', text: REPLY_TEXT, annotations: [] }] };
    sse('response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { ...item, content: [] } });
    sse('response.output_text.delta', { type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: REPLY_TEXT });
  }
  sse('response.output_item.done', { type: 'response.output_item.done', output_index: 0, item });
  const usage = { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 110 };
  sse('response.completed', { type: 'response.completed', response: { id, usage } });
  res.end();
}

// ---- Gemini generateContent -----------------------------------------------------------

const GEMINI_USAGE = { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 110 };

async function geminiStream(marker: Marker | null, res: http.ServerResponse, slowMs: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (marker === 'SLOW') await sleep(slowMs);
  const part = marker === 'TOOL'
    ? { functionCall: { name: 'run_shell_command', args: { command: TOOL_COMMAND, description: TOOL_REASON } } }
    : marker === 'ASK'
      ? { functionCall: { name: 'ask_user', args: { questions: [{ question: QUESTION, header: 'Folder', type: 'choice', options: CHOICES }] } } }
      : { text: REPLY_TEXT };
  const chunk = { candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }], usageMetadata: GEMINI_USAGE };
  res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end();
}

/** Side requests (model routing, next-speaker checks) ask for JSON: one object answers all of them. */
function geminiSide(body: Json, res: http.ServerResponse): void {
  const config = (body.generationConfig ?? body.config ?? {}) as Json;
  const text = config.responseMimeType === 'application/json'
    ? JSON.stringify({ reasoning: 'stub', next_speaker: 'user', model_choice: 'flash' })
    : REPLY_TEXT;
  sendJson(res, { candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }], usageMetadata: GEMINI_USAGE });
}

// ---- errors and plumbing -------------------------------------------------------------

interface StubError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Each vendor's error for a marker, shaped as its API sends it. */
function sendError(path: string, marker: ErrorMarker, res: http.ServerResponse, limitResetS?: number): void {
  // A reset this many seconds ahead (a test of what happens at the reset), else on a whole minute two hours ahead.
  const resetS = limitResetS !== undefined ? Math.ceil(Date.now() / 1000) + limitResetS : Math.floor(Date.now() / 60_000) * 60 + LIMIT_RESET_S;
  const e = path.includes('GenerateContent') || path.includes(':') ? googleError(marker, resetS) : path.endsWith('/responses') ? openaiError(marker, resetS) : anthropicError(marker, resetS);
  res.writeHead(e.status, { 'content-type': 'application/json', ...e.headers });
  res.end(JSON.stringify(e.body));
}

function anthropicError(marker: ErrorMarker, resetS: number): StubError {
  const err = (status: number, type: string, message: string, headers?: Record<string, string>): StubError => ({ status, body: { type: 'error', error: { type, message } }, headers });
  switch (marker) {
    case 'ERR401': return err(401, 'authentication_error', 'invalid x-api-key');
    case 'ERR429': return err(429, 'rate_limit_error', 'Rate limit exceeded');
    case 'ERR500': return err(500, 'api_error', 'Internal server error');
    case 'ERR400': return err(400, 'invalid_request_error', 'messages.1.content.0.type: Expected `text`, got `image_url`');
    case 'ERR529': return err(529, 'overloaded_error', 'Overloaded', { 'retry-after': '2' });
    case 'ERRBILL': return err(400, 'invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.');
    case 'ERRCTX': return err(400, 'invalid_request_error', 'prompt is too long: 212345 tokens > 200000 maximum');
    case 'LIMIT': return err(429, 'rate_limit_error', 'This request would exceed your account\'s rate limit. Please try again later.', {
      'anthropic-ratelimit-unified-status': 'rejected',
      'anthropic-ratelimit-unified-reset': String(resetS),
      'anthropic-ratelimit-unified-representative-claim': 'five_hour',
    });
  }
}

function openaiError(marker: ErrorMarker, resetS: number): StubError {
  const err = (status: number, type: string, message: string, extra: Record<string, unknown> = {}): StubError => ({ status, body: { error: { message, type, code: type, ...extra } } });
  switch (marker) {
    case 'ERR401': return err(401, 'invalid_api_key', 'invalid x-api-key');
    case 'ERR429': return err(429, 'rate_limit_exceeded', 'Rate limit exceeded');
    case 'ERR500': return err(500, 'server_error', 'Internal server error');
    case 'ERR400': return err(400, 'invalid_request_error', "Invalid 'input[1].content': expected an array of content parts.");
    case 'ERR529': return err(503, 'server_is_overloaded', 'The server is overloaded or not ready yet.');
    case 'ERRBILL': return err(429, 'insufficient_quota', 'You exceeded your current quota, please check your plan and billing details.');
    case 'ERRCTX': return err(400, 'context_length_exceeded', 'Your input exceeds the context window of this model. Please adjust your input and try again.');
    case 'LIMIT': return err(429, 'usage_limit_reached', 'The usage limit has been reached', { plan_type: 'plus', resets_at: resetS, resets_in_seconds: resetS - Math.floor(Date.now() / 1000) });
  }
}

function googleError(marker: ErrorMarker, resetS: number): StubError {
  const err = (code: number, status: string, message: string, details: unknown[] = []): StubError => ({ status: code, body: [{ error: { code, message, status, details } }] });
  switch (marker) {
    case 'ERR401': return err(401, 'UNAUTHENTICATED', 'invalid x-api-key');
    case 'ERR429': return err(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).');
    case 'ERR500': return err(500, 'INTERNAL', 'Internal server error');
    case 'ERR400': return err(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.');
    case 'ERR529': return err(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
    case 'ERRBILL': return err(403, 'PERMISSION_DENIED', 'Your project has been denied access. Please contact support. Billing account not active.');
    case 'ERRCTX': return err(400, 'INVALID_ARGUMENT', 'The input token count (1234567) exceeds the maximum number of tokens allowed (1048576).');
    case 'LIMIT': {
      const s = resetS - Math.floor(Date.now() / 1000);
      return err(429, 'RESOURCE_EXHAUSTED', `You exceeded your current quota, please check your plan and billing details. Please retry in ${s}s.`, [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${s}s` },
      ]);
    }
  }
}

function sendJson(res: http.ServerResponse, value: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function startSse(res: http.ServerResponse): (event: string, data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
