import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { pollUntil } from '../support/poll.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { call, openSocket, rawExchange, request, rssMb, upgradeRequest } from './ws-client.js';

// Hostile input on the web console's ways in, against a real `architect serve`
// process: whatever arrives, the process stays up, answers other clients and
// changes nothing it should not.

let c: ServeProcess;
beforeAll(async () => {
  c = await startServe();
  // A thousand tasks with 2 KB prompts: a tasks.list of 1,000 is then ~2.3 MB.
  const ws = await openSocket(c.port, c.token);
  const prompt = 'p'.repeat(2_000);
  for (let batch = 0; batch < 10; batch++) {
    const creates = Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tasks.create', params: { type: 'bug_fix', title: `t${batch}-${i}`, prompt } }));
    const replies = (await request(ws, creates)) as Array<{ error?: unknown }>;
    expect(replies.filter((r) => r.error)).toEqual([]);
  }
  ws.close();
}, 120_000);
afterAll(async () => {
  await c?.stop();
});

async function stillServing(): Promise<void> {
  expect(c.alive()).toBe(true);
  const res = await fetch(`${c.base}/healthz`);
  expect(res.status).toBe(200);
}

describe('the WebSocket door', () => {
  it('a malformed Host header on an upgrade is refused before any check, and the console stays up', async () => {
    const reply = await rawExchange(c.port, upgradeRequest('['));
    expect(reply).toMatch(/^HTTP\/1\.1 4\d\d/);
    await new Promise((r) => setTimeout(r, 200));
    await stillServing();
  });

  it('a malformed Host header on a plain request is refused and the token never reaches the log', async () => {
    const reply = await rawExchange(c.port, `GET /api/query/stats_dashboard?token=${c.token} HTTP/1.1\r\nHost: [\r\nConnection: close\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 4\d\d/);
    await stillServing();
    expect(c.logText()).not.toContain(c.token);
    expect(c.stdout().split('\n').slice(1).join('\n') + c.stderr()).not.toContain(c.token);
  });

  it('a batch whose replies would pass V8\'s string limit is refused whole; the console stays up', async () => {
    const ws = await openSocket(c.port, c.token);
    const huge = Array.from({ length: 300 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tasks.list', params: { limit: 1000 } }));
    const reply = (await request(ws, huge, 170_000)) as { error?: { code: number; message: string } };
    expect(reply.error?.code).toBe(-32600);
    expect(reply.error?.message).toMatch(/batch of 300 .*at most \d+/);
    await stillServing();
    ws.close();
  }, 180_000);

  it('a batch within the limit whose replies are too large gets an error per part past the reply budget', async () => {
    const ws = await openSocket(c.port, c.token);
    const batch = Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tasks.list', params: { limit: 1000 } }));
    const replies = (await request(ws, batch, 120_000)) as Array<{ id: number; result?: unknown; error?: { message: string } }>;
    expect(replies).toHaveLength(100);
    expect(replies[0]?.result).toBeDefined();
    const refused = replies.filter((r) => r.error);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.error?.message).toMatch(/reply .* over .* bytes/);
    await stillServing();
    ws.close();
  }, 150_000);

  it('a client that sends but never reads is not buffered without bound, and others are still answered', async () => {
    const greedy = await openSocket(c.port, c.token);
    // Stop reading: the server's replies pile up unless it stops taking requests.
    (greedy as unknown as { _socket: { pause(): void } })._socket.pause();
    const frame = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks.list', params: { limit: 1000 } });
    let sent = 0;
    // ~2.3 MB per reply: 600 of them would be 1.4 GB if the server kept them all.
    const sender = setInterval(() => {
      for (let i = 0; i < 20 && sent < 600; i++, sent++) greedy.send(frame);
    }, 20);
    await pollUntil('the requests to be sent', () => sent >= 600, { limitMs: 60_000 });
    clearInterval(sender);
    await new Promise((r) => setTimeout(r, 3_000));
    const other = await openSocket(c.port, c.token);
    const info = await call(other, 'app.info');
    expect(info.result).toBeDefined();
    expect(rssMb(c.child.pid!)).toBeLessThan(600);
    await stillServing();
    greedy.terminate();
    other.close();
  }, 120_000);

  it('a flood of bad requests does not flood the log', async () => {
    const logBefore = c.logText().length;
    const ws = await openSocket(c.port, c.token);
    const bad = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: `no.such.${'x'.repeat(1_000)}` })));
    for (let i = 0; i < 50; i++) await request(ws, bad); // ~5 MB of bad requests
    const other = await openSocket(c.port, c.token);
    expect((await call(other, 'app.info')).result).toBeDefined();
    expect(c.logText().length - logBefore).toBeLessThan(200_000);
    ws.close();
    other.close();
  }, 120_000);

  it('many requests in flight on one connection: all answered, in bounded memory', async () => {
    const ws = await openSocket(c.port, c.token);
    const n = 2_000;
    const answered = new Set<number>();
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { id?: number };
      if (typeof m.id === 'number') answered.add(m.id);
    });
    for (let i = 0; i < n; i++) ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tasks.list', params: { limit: 5 } }));
    await pollUntil('every request answered', () => answered.size === n, { limitMs: 60_000 });
    await stillServing();
    ws.close();
  }, 90_000);
});

export type { WebSocket };
