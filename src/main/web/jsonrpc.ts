import type { Caller, Handlers } from '../../shared/api.js';
import { ApiError, dispatch } from '../api/dispatch.js';
import type { Logger } from '../log/logger.js';

// JSON-RPC 2.0 over the web console's WebSocket: method = contract command name,
// events = notifications whose method is the event name.

export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_FAILED = -32000;
/** The command changes something and the console is read-only. */
export const RPC_READ_ONLY = -32003;
/** The thing changed since the caller read it (a config file saved by someone else). */
export const RPC_CONFLICT = -32009;

/**
 * Most requests in one batch. The UI never batches; a script that does needs no more,
 * and a batch runs one request after another, so a long one delays only its sender.
 */
export const MAX_BATCH = 100;
/**
 * Largest reply frame, in characters. A reply is built as one string, and V8 cannot
 * build one past ~512 M characters: 300 × `tasks.list {limit: 1000}` did, and the
 * console died. The biggest honest reply (1,000 tasks with long prompts) fits.
 */
export const MAX_REPLY_CHARS = 32 * 1024 * 1024;

type RpcId = string | number | null;

export interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId;
  result?: unknown;
  error?: { code: number; message: string };
}

const CODE_BY_API_ERROR: Record<ApiError['code'], number> = {
  unknown_command: RPC_METHOD_NOT_FOUND,
  invalid_params: RPC_INVALID_PARAMS,
  failed: RPC_FAILED,
  unavailable: RPC_FAILED,
  read_only: RPC_READ_ONLY,
  conflict: RPC_CONFLICT,
};

function errorResponse(id: RpcId, code: number, message: string): RpcResponse {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function handleOne(handlers: Handlers, msg: unknown, caller?: Caller, log?: Logger): Promise<RpcResponse | null> {
  if (!isRecord(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') {
    const id = isRecord(msg) && (typeof msg.id === 'string' || typeof msg.id === 'number') ? msg.id : null;
    return errorResponse(id, RPC_INVALID_REQUEST, 'invalid request: expected {"jsonrpc":"2.0","method":…,"id":…}');
  }
  const hasId = 'id' in msg;
  const id: RpcId = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : null;
  if (hasId && msg.id !== null && id === null) {
    return errorResponse(null, RPC_INVALID_REQUEST, 'invalid request: id must be a string or a number');
  }
  if (msg.params !== undefined && !isRecord(msg.params)) {
    return hasId ? errorResponse(id, RPC_INVALID_PARAMS, `invalid params for ${msg.method.slice(0, 100)}: params must be an object`) : null;
  }
  try {
    const result = await dispatch(handlers, msg.method, msg.params ?? {}, caller, log);
    return hasId ? { jsonrpc: '2.0', id, result } : null;
  } catch (err) {
    if (!hasId) return null;
    if (err instanceof ApiError) return errorResponse(id, CODE_BY_API_ERROR[err.code], err.message);
    return errorResponse(id, RPC_FAILED, err instanceof Error ? err.message : String(err));
  }
}

/**
 * One reply as text, or an error in its place when it would be too large: the
 * caller asked for more than one frame may carry (`budget` characters).
 */
function serialise(reply: RpcResponse, budget: number): string {
  let text: string | null = null;
  try {
    text = JSON.stringify(reply);
  } catch {
    // RangeError: past V8's string limit; the reply is refused below.
  }
  if (text !== null && text.length <= budget) return text;
  const size = text === null ? 'past V8\'s string limit' : `${text.length} characters`;
  const room = budget < MAX_REPLY_CHARS ? `, and the batch's reply has ${budget} left` : '';
  return JSON.stringify(
    errorResponse(reply.id, RPC_FAILED, `the reply (${size}${room}) would be over ${MAX_REPLY_CHARS} bytes, the most one reply carries: ask for fewer rows (limit, filters)`),
  );
}

/**
 * Handles one WebSocket text frame; returns the reply frame, or null (notifications).
 * A batch runs its requests one after another and stops building results once the
 * reply is full: later parts get an error each instead.
 */
export async function handleRpcMessage(handlers: Handlers, text: string, caller?: Caller, log?: Logger): Promise<string | null> {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return JSON.stringify(errorResponse(null, RPC_PARSE_ERROR, 'parse error: the message is not valid JSON'));
  }
  if (!Array.isArray(msg)) {
    const reply = await handleOne(handlers, msg, caller, log);
    return reply === null ? null : serialise(reply, MAX_REPLY_CHARS);
  }
  if (msg.length === 0) return JSON.stringify(errorResponse(null, RPC_INVALID_REQUEST, 'invalid request: empty batch'));
  if (msg.length > MAX_BATCH) {
    return JSON.stringify(errorResponse(null, RPC_INVALID_REQUEST, `invalid request: a batch of ${msg.length} requests; send at most ${MAX_BATCH} at once`));
  }
  const parts: string[] = [];
  // Room for the brackets and commas.
  let left = MAX_REPLY_CHARS - 2 - msg.length;
  for (const one of msg) {
    const reply = await handleOne(handlers, one, caller, log);
    if (reply === null) continue;
    const part = serialise(reply, Math.max(0, left));
    left -= part.length;
    parts.push(part);
  }
  return parts.length ? `[${parts.join(',')}]` : null;
}

export function notification(method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}
