import { describe, expect, it } from 'vitest';
import { commandNames, type Handlers } from '../../../src/shared/api.js';
import { handleRpcMessage as handleFrame, MAX_BATCH, MAX_REPLY_CHARS, RPC_INVALID_PARAMS, RPC_INVALID_REQUEST, RPC_METHOD_NOT_FOUND, RPC_PARSE_ERROR, RPC_FAILED, RPC_READ_ONLY } from '../../../src/main/web/jsonrpc.js';
import type { Caller } from '../../../src/shared/api.js';

/** The reply frame, parsed (null: no reply). */
async function handleRpcMessage(h: Handlers, text: string, caller?: Caller): Promise<unknown> {
  const frame = await handleFrame(h, text, caller);
  return frame === null ? null : (JSON.parse(frame) as unknown);
}
import { missingHandlers } from '../../../src/main/api/dispatch.js';

function handlers(calls: unknown[]): Handlers {
  const t: Record<string, (p: unknown) => unknown> = {};
  for (const n of commandNames) t[n] = (p) => (calls.push([n, p]), { ok: n });
  t['app.info'] = () => {
    throw new Error('the disk is full');
  };
  return t as unknown as Handlers;
}

describe('JSON-RPC 2.0 over the contract', () => {
  const cases: Array<[string, string, unknown]> = [
    ['a call gets its result with its id', '{"jsonrpc":"2.0","id":7,"method":"tasks.list","params":{"limit":2}}', { jsonrpc: '2.0', id: 7, result: { ok: 'tasks.list' } }],
    ['an unknown method is -32601', '{"jsonrpc":"2.0","id":"a","method":"tasks.explode"}', { jsonrpc: '2.0', id: 'a', error: { code: RPC_METHOD_NOT_FOUND, message: 'unknown command "tasks.explode"' } }],
    ['bad JSON is -32700', '{"jsonrpc":', { jsonrpc: '2.0', id: null, error: { code: RPC_PARSE_ERROR, message: 'parse error: the message is not valid JSON' } }],
    ['a request without jsonrpc is -32600', '{"id":1,"method":"app.info"}', { jsonrpc: '2.0', id: 1, error: { code: RPC_INVALID_REQUEST, message: expect.stringContaining('invalid request') } }],
    ['params that are not an object are -32602', '{"jsonrpc":"2.0","id":2,"method":"tasks.list","params":[1]}', { jsonrpc: '2.0', id: 2, error: { code: RPC_INVALID_PARAMS, message: expect.stringContaining('params must be an object') } }],
    ['params failing the schema are -32602 naming the field', '{"jsonrpc":"2.0","id":3,"method":"tasks.list","params":{"limit":"ten"}}', { jsonrpc: '2.0', id: 3, error: { code: RPC_INVALID_PARAMS, message: expect.stringMatching(/^invalid params for tasks\.list: limit: /) } }],
    ['undeclared params are refused', '{"jsonrpc":"2.0","id":4,"method":"app.info","params":{"x":1}}', { jsonrpc: '2.0', id: 4, error: { code: RPC_INVALID_PARAMS, message: expect.stringContaining('x') } }],
    ['a failing handler is -32000 with its message', '{"jsonrpc":"2.0","id":5,"method":"app.info"}', { jsonrpc: '2.0', id: 5, error: { code: RPC_FAILED, message: 'app.info failed: the disk is full' } }],
    ['a notification gets no reply', '{"jsonrpc":"2.0","method":"tasks.list"}', null],
  ];
  for (const [name, input, expected] of cases) {
    it(name, async () => {
      expect(await handleRpcMessage(handlers([]), input)).toEqual(expected);
    });
  }

  it('answers a batch, leaving out notifications', async () => {
    const reply = await handleRpcMessage(handlers([]), JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'sessions.list' },
      { jsonrpc: '2.0', method: 'sessions.list' },
      { jsonrpc: '2.0', id: 2, method: 'nope' },
    ]));
    expect(reply).toEqual([
      { jsonrpc: '2.0', id: 1, result: { ok: 'sessions.list' } },
      { jsonrpc: '2.0', id: 2, error: { code: RPC_METHOD_NOT_FOUND, message: 'unknown command "nope"' } },
    ]);
  });

  it('never calls a handler with params that failed validation', async () => {
    const calls: unknown[] = [];
    await handleRpcMessage(handlers(calls), '{"jsonrpc":"2.0","id":1,"method":"tasks.list","params":{"status":"exploded"}}');
    expect(calls).toEqual([]);
  });

  it('refuses a batch longer than MAX_BATCH whole, running none of it', async () => {
    const calls: unknown[] = [];
    const batch = Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tasks.list' }));
    expect(await handleRpcMessage(handlers(calls), JSON.stringify(batch))).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: RPC_INVALID_REQUEST, message: `invalid request: a batch of ${MAX_BATCH + 1} requests; send at most ${MAX_BATCH} at once` },
    });
    expect(calls).toEqual([]);
  });

  it('replaces a reply too large to send by an error, and a batch stops building results once full', async () => {
    const big = handlers([]);
    const half = 'x'.repeat(Math.ceil(MAX_REPLY_CHARS / 2));
    (big as unknown as Record<string, () => unknown>)['tasks.list'] = () => ({ text: half });
    (big as unknown as Record<string, () => unknown>)['sessions.list'] = () => ({ text: half + half });
    const single = (await handleRpcMessage(big, '{"jsonrpc":"2.0","id":1,"method":"sessions.list"}')) as { error: { code: number; message: string } };
    expect(single.error.code).toBe(RPC_FAILED);
    expect(single.error.message).toMatch(/the reply \(\d+ characters\) would be over \d+ bytes/);
    const batch = Array.from({ length: 3 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tasks.list' }));
    const replies = (await handleRpcMessage(big, JSON.stringify(batch))) as Array<{ id: number; result?: unknown; error?: { message: string } }>;
    expect(replies.map((r) => (r.result ? 'result' : 'error'))).toEqual(['result', 'error', 'error']);
  });

  it('a read-only caller may read but not change anything', async () => {
    const calls: unknown[] = [];
    const viewer: Caller = { id: 'v', readOnly: true, notify: () => undefined, onGone: () => undefined };
    const create = (await handleRpcMessage(handlers(calls), '{"jsonrpc":"2.0","id":1,"method":"tasks.create","params":{"type":"x","title":"t","prompt":"p"}}', viewer)) as { error: { code: number; message: string } };
    expect(create.error).toEqual({ code: RPC_READ_ONLY, message: 'tasks.create changes something, and this console is read-only (started with --read-only)' });
    expect(await handleRpcMessage(handlers(calls), '{"jsonrpc":"2.0","id":2,"method":"tasks.list"}', viewer)).toMatchObject({ result: { ok: 'tasks.list' } });
    expect(calls.map((c) => (c as unknown[])[0])).toEqual(['tasks.list']);
  });

  it('echoes at most a short piece of a hostile method name', async () => {
    const reply = (await handleRpcMessage(handlers([]), JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x'.repeat(100_000) }))) as { error: { message: string } };
    expect(reply.error.message.length).toBeLessThan(200);
  });

  it('finds a missing handler at runtime', () => {
    const t = handlers([]) as unknown as Record<string, unknown>;
    delete t['sessions.list'];
    expect(missingHandlers(t)).toEqual(['sessions.list']);
  });
});
