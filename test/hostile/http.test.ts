import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../support/poll.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { rawExchange } from './ws-client.js';

// The HTTP door (page, query and routing services, metrics), against a real
// `architect serve`: malformed, huge, deep, slow and many requests get an answer
// (or a closed connection), and the console stays up and answers others.

let c: ServeProcess;
let auth: Record<string, string>;
beforeAll(async () => {
  c = await startServe();
  auth = { authorization: `Bearer ${c.token}` };
  // Started, not only listening: the doors below are tested, not the start-up's wait.
  await pollUntil('the console started (/healthz ok)', async () => (await fetch(`${c.base}/healthz`)).status === 200, { limitMs: 60_000, intervalMs: 200 });
}, 120_000);
afterAll(async () => c?.stop());

async function stillServing(): Promise<void> {
  expect(c.alive()).toBe(true);
  expect((await fetch(`${c.base}/api/query/stats_dashboard`, { headers: auth })).status).toBe(200);
}

describe('the HTTP door', () => {
  it('malformed requests: bad targets, bad JSON, a deep body', { timeout: 90_000 }, async () => {
    expect(await rawExchange(c.port, 'GET http://elsewhere/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawExchange(c.port, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    const post = (body: string): Promise<Response> => fetch(`${c.base}/api/route/task`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
    expect((await post('{"task_type":')).status).toBe(400);
    expect((await post('['.repeat(200_000) + ']'.repeat(200_000))).status).toBe(400);
    expect((await post(JSON.stringify({ task_type: 'x'.repeat(10_000) }))).status).toBe(400);
    expect((await post(JSON.stringify({ task_type: 'bug_fix', extra: 1 }))).status).toBe(400);
    await stillServing();
  });

  it('a body over the limit is refused without reading it all', async () => {
    const res = await fetch(`${c.base}/api/route/task`, { method: 'POST', headers: auth, body: 'x'.repeat(3 * 1024 * 1024) }).catch((e: unknown) => e);
    if (res instanceof Response) expect(res.status).toBe(413);
    await stillServing();
  });

  it('paths that try to leave the page folder get the page or a refusal, never a file from elsewhere', async () => {
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/%00', '/%', '/assets/%2e%2e%2f%2e%2e%2fpackage.json']) {
      const reply = await rawExchange(c.port, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${c.port}\r\nConnection: close\r\n\r\n`);
      expect(reply, p).not.toContain('root:x:0:0');
      expect(reply, p).not.toContain('"devDependencies"');
    }
    await stillServing();
  });

  it('query parameters by the thousand, repeated, or huge: a 400 that says which', async () => {
    const many = new URLSearchParams(Array.from({ length: 1_000 }, (_, i) => [`p${i}`, 'x'])).toString();
    expect((await fetch(`${c.base}/api/query/stats_dashboard?${many}`, { headers: auth })).status).toBe(400);
    const huge = await fetch(`${c.base}/api/query/stats_dashboard?x=${'y'.repeat(100_000)}`, { headers: auth });
    expect(huge.status).toBe(431); // Node refuses a request line that long before we see it

    const res = await fetch(`${c.base}/api/query/tasks_by_status?status=pending&status=failed`, { headers: auth });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/given 2 times/);
    await stillServing();
  });

  it('a client that sends its headers a byte at a time is dropped; others are answered meanwhile', async () => {
    const slow = net.connect(c.port, '127.0.0.1');
    let closed = false;
    slow.on('close', () => (closed = true));
    slow.on('error', () => undefined);
    const drip = setInterval(() => slow.write('X'), 500);
    slow.write('GET / HTTP/1.1\r\nX-Slow: ');
    await stillServing();
    try {
      await pollUntil('the slow client dropped', () => closed, { limitMs: 30_000 });
    } finally {
      clearInterval(drip);
      slow.destroy();
    }
    await stillServing();
  }, 60_000);

  it('hundreds of connections at once: the console answers once they go', async () => {
    const sockets = await Promise.all(
      Array.from({ length: 400 }, () => new Promise<net.Socket>((resolve) => {
        const s = net.connect(c.port, '127.0.0.1', () => resolve(s));
        s.on('error', () => resolve(s));
      })),
    );
    for (const s of sockets) s.destroy();
    await pollUntil('the console answers again', async () => (await fetch(`${c.base}/healthz`).catch(() => null))?.status === 200, { limitMs: 20_000 });
    await stillServing();
  }, 60_000);
});
