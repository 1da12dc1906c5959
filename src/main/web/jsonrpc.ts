import type { Handlers } from '../../shared/api.js';
import { ApiError, dispatch } from '../api/dispatch.js';
import type { Logger } from '../log/logger.js';

// JSON-RPC 2.0 over the web console's WebSocket: method = contract command name,
// events = notifications whose method is the event name.

export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_FAILED = -32000;

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
};

function errorResponse(id: RpcId, code: number, message: string): RpcResponse {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function handleOne(handlers: Handlers, msg: unknown, log?: Logger): Promise<RpcResponse | null> {
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
    return hasId ? errorResponse(id, RPC_INVALID_PARAMS, `invalid params for ${msg.method}: params must be an object`) : null;
  }
  try {
    const result = await dispatch(handlers, msg.method, msg.params ?? {}, log);
    return hasId ? { jsonrpc: '2.0', id, result } : null;
  } catch (err) {
    if (!hasId) return null;
    if (err instanceof ApiError) return errorResponse(id, CODE_BY_API_ERROR[err.code], err.message);
    return errorResponse(id, RPC_FAILED, err instanceof Error ? err.message : String(err));
  }
}

/** Handles one WebSocket text frame; returns the reply to send, or null (notifications). */
export async function handleRpcMessage(handlers: Handlers, text: string, log?: Logger): Promise<unknown> {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return errorResponse(null, RPC_PARSE_ERROR, 'parse error: the message is not valid JSON');
  }
  if (Array.isArray(msg)) {
    if (msg.length === 0) return errorResponse(null, RPC_INVALID_REQUEST, 'invalid request: empty batch');
    const replies = (await Promise.all(msg.map((m) => handleOne(handlers, m, log)))).filter((r) => r !== null);
    return replies.length ? replies : null;
  }
  return handleOne(handlers, msg, log);
}

export function notification(method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}
