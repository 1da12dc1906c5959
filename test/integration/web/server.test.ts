import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { commandNames } from '../../../src/shared/api.js';
import { missingHandlers } from '../../../src/main/api/dispatch.js';
import { RpcClient, startTestConsole, type TestConsole } from './console.js';

let c: TestConsole;
beforeAll(async () => {
  c = await startTestConsole();
});
afterAll(async () => {
  await c?.stop();
});

const upgradeStatus = (url: string, headers: Record<string, string>): Promise<number> =>
  new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });

describe('the web console transport', () => {
  it('implements every contract command', () => {
    expect(missingHandlers(c.core.handlers)).toEqual([]);
    expect(Object.keys(c.core.handlers).sort()).toEqual([...commandNames].sort());
  });

  it('answers /healthz without a token and reveals nothing', async () => {
    const res = await fetch(`${c.base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('refuses requests without the token or with a wrong one (401)', async () => {
    expect((await fetch(`${c.base}/api/query/stats_dashboard`)).status).toBe(401);
    expect((await fetch(`${c.base}/api/query/stats_dashboard?token=${c.server.token}`)).status).toBe(401);
    expect((await fetch(`${c.base}/api/query/stats_dashboard`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${c.server.port}/api`, {})).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${c.server.port}/api`, { 'x-architect-token': 'nope' })).toBe(401);
  });

  it('refuses a foreign Origin and a foreign Host header (403)', async () => {
    const auth = { authorization: `Bearer ${c.server.token}` };
    expect((await fetch(`${c.base}/api/query/stats_dashboard`, { headers: { ...auth, origin: 'http://evil.example' } })).status).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${c.server.port}/api`, { 'x-architect-token': c.server.token, origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${c.server.port}/api`, { 'x-architect-token': c.server.token, origin: c.base })).toBe(101);
  });

  it('serves the page without the token and never sets a cookie; the token rides on the WebSocket', async () => {
    const res = await fetch(`${c.base}/?token=${c.server.token}`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root"></div>');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(c.server.loginUrl).toBe(`${c.base}/#token=${c.server.token}`);
    // A browser offers the token as a subprotocol; the server answers with its own protocol only.
    const ws = new WebSocket(`ws://127.0.0.1:${c.server.port}/api`, ['architect.rpc', `architect.token.${c.server.token}`]);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(ws.protocol).toBe('architect.rpc');
    ws.close();
    expect(await upgradeStatus(`ws://127.0.0.1:${c.server.port}/api?token=${c.server.token}`, {})).toBe(401);
  });

  it('marks every API reply nosniff and no-store', async () => {
    for (const res of [await fetch(`${c.base}/api/query/stats_dashboard`), await fetch(`${c.base}/api/query/stats_dashboard`, { headers: { authorization: `Bearer ${c.server.token}` } })]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('says where a named query\'s time went (Server-Timing): run on a reader, then from the cache', async () => {
    const auth = { authorization: `Bearer ${c.server.token}` };
    const timing = async (): Promise<string> => {
      const res = await fetch(`${c.base}/api/query/stats_dashboard`, { headers: auth });
      expect(res.status).toBe(200);
      await res.json();
      return res.headers.get('server-timing') ?? '';
    };
    // A write makes the cached answer stale: the next read runs the query.
    const rpc = await RpcClient.connect(c);
    expect((await rpc.call('tasks.create', { type: 'bug_fix', title: 'Timing', prompt: 'p' })).error).toBeUndefined();
    rpc.close();
    const first = await timing();
    expect(first).toMatch(/^query;dur=\d+\.\d\d;desc="run", sql;dur=\d+\.\d\d, total;dur=\d+\.\d\d$/);
    const [queryMs, sqlMs, totalMs] = [...first.matchAll(/dur=([\d.]+)/g)].map((m) => Number(m[1]));
    expect(queryMs).toBeGreaterThanOrEqual(sqlMs!);
    expect(totalMs).toBeGreaterThanOrEqual(queryMs!);
    expect(await timing()).toMatch(/^query;dur=0\.00;desc="cached", total;dur=\d+\.\d\d$/);
    // A refused request has no timing: nothing ran.
    expect((await fetch(`${c.base}/api/query/stats_dashboard`)).headers.get('server-timing')).toBeNull();
  });

  it('returns JSON-RPC error objects and changes nothing on bad input', async () => {
    const rpc = await RpcClient.connect(c);
    const before = (await rpc.call('tasks.list', {})).result as { total: number };
    const unknown = await rpc.call('tasks.explode', {});
    expect(unknown.error).toEqual({ code: -32601, message: 'unknown command "tasks.explode"' });
    const bad = await rpc.call('tasks.create', { type: 'bug_fix', title: '', prompt: 'x', priority: 99 });
    expect(bad.error?.code).toBe(-32602);
    expect(bad.error?.message).toMatch(/title: .*priority: /s);
    const after = (await rpc.call('tasks.list', {})).result as { total: number };
    expect(after.total).toBe(before.total);
    rpc.close();
  });

  it('pushes events: a task added by one client reaches another live', async () => {
    const watcher = await RpcClient.connect(c);
    const actor = await RpcClient.connect(c);
    const created = await actor.call('tasks.create', { type: 'bug_fix', title: 'Fix the login', prompt: 'The login page 500s' });
    expect(created.error).toBeUndefined();
    const event = await watcher.waitFor((n) => n.method === 'tasks.changed');
    expect((event.params as { counts: { pending: number } }).counts.pending).toBeGreaterThanOrEqual(1);
    watcher.close();
    actor.close();
  });

  it('sees a tmux pane created on a watched server appear without asking', async () => {
    const rpc = await RpcClient.connect(c);
    const paneId = c.tmux.newSession('dev_worker9', ['sh', '-c', 'sleep 30']);
    const event = await rpc.waitFor(
      (n) => n.method === 'sessions.changed' && (n.params as { sessions: Array<{ paneId: string }> }).sessions.some((s) => s.paneId === paneId),
    );
    const session = (event.params as { sessions: Array<{ paneId: string; server: string; session: string }> }).sessions.find((s) => s.paneId === paneId);
    expect(session).toMatchObject({ server: c.tmux.socket, session: 'dev_worker9' });
    rpc.close();
  });

  it('serves named queries over HTTP like the seed: 200, 400 and 404', async () => {
    const auth = { authorization: `Bearer ${c.server.token}` };
    const ok = await fetch(`${c.base}/api/query/tasks_by_status?status=pending&limit=5`, { headers: auth });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { query: string; results: unknown[]; count: number };
    expect(body.query).toBe('tasks_by_status');
    expect(body.count).toBe(body.results.length);
    expect((await fetch(`${c.base}/api/query/tasks_by_status?limit=abc&status=x`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${c.base}/api/query/no_such_query`, { headers: auth })).status).toBe(404);
  });
});
