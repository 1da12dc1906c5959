import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import { EventBus } from '../../../src/main/events/bus.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { startWebServer, type WebServer } from '../../../src/main/web/server.js';
import { pollUntil } from '../../support/poll.js';

// The page and its scripts come from memory, gzipped when the browser takes gzip (issue
// 20: streamed from disk, the Overview's script took 1.3–2.9 s to reach the browser on a
// busy console), and a rebuild is served as soon as it is on disk.

let dir: string;
let server: WebServer;
const script = crypto.randomBytes(60_000).toString('hex'); // 120 KB that gzip halves
const base = (): string => `http://127.0.0.1:${server.port}`;
const get = (p: string, encoding?: string): Promise<Response> => fetch(`${base()}${p}`, encoding ? { headers: { 'accept-encoding': encoding } } : {});

/** The body as sent (fetch would undo the gzip itself). */
async function raw(p: string, encoding: string): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http
      .get(`${base()}${p}`, { headers: { 'accept-encoding': encoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-static-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>first</title><link rel="stylesheet" crossorigin href="./assets/index-abc.css">');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc.css'), 'body { color: #123456 }');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc.js'), script);
  server = await startWebServer({ handlers: {} as Handlers, bus: new EventBus(), log: silentLogger, port: 0, rendererDir: dir });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the built page, served from memory', () => {
  it('sends a script gzipped to a browser that takes gzip, and as it is to one that does not', async () => {
    // Gzipped off the main thread as the server starts: the first replies may come before it is.
    await pollUntil('the script gzipped', async () => (await raw('/assets/index-abc.js', 'gzip, deflate, br')).headers['content-encoding'] === 'gzip', { limitMs: 10_000 });
    const gz = await raw('/assets/index-abc.js', 'gzip, deflate, br');
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gz.body.length).toBeLessThan(script.length * 0.7);
    expect(zlib.gunzipSync(gz.body).toString()).toBe(script);
    expect(gz.headers.vary).toBe('accept-encoding');
    expect(gz.headers['cache-control']).toContain('immutable');

    const plain = await raw('/assets/index-abc.js', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
    expect((await get('/assets/index-abc.js')).headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('inlines the stylesheet into the page (the script waits for it), not one that names a url()', async () => {
    const page = await (await get('/')).text();
    expect(page).toContain('<style>body { color: #123456 }</style>');
    expect(page).not.toContain('<link');
    fs.writeFileSync(path.join(dir, 'assets', 'index-u.css'), 'body { background: url(./bg.png) }');
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>with url</title><link rel="stylesheet" crossorigin href="./assets/index-u.css">');
    const linked = await (await get('/')).text();
    expect(linked).toContain('href="./assets/index-u.css"');
    expect(linked).not.toContain('<style>');
  });

  it('serves a rebuilt page at once, and index.html for a client-side route', async () => {
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>second, longer</title>');
    expect(await (await get('/')).text()).toContain('second, longer');
    expect(await (await get('/tasks/42')).text()).toContain('second, longer');
    fs.writeFileSync(path.join(dir, 'assets', 'index-def.js'), 'console.log(1)');
    expect(await (await get('/assets/index-def.js')).text()).toBe('console.log(1)');
  });
});
