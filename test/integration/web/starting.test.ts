import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../../src/main/log/logger.js';
import { defaultConfigDir } from '../../../src/main/paths.js';
import { ConsoleLockedError, lockForConsole } from '../../../src/main/store/console-lock.js';
import { serveConsole, type RunningConsole } from '../../../src/main/web.js';
import type { WebServer } from '../../../src/main/web/server.js';
import { RPC_SUBPROTOCOL } from '../../../src/main/web/guard.js';
import { PrivateTmux } from '../../support/tmux.js';

// The listen order: the console opens its database and takes its lock, then listens
// (the URL it prints means it owns the file), then starts the rest. Meanwhile /healthz
// says "starting" and a client's requests wait instead of failing.

let dir: string | null = null;
let tmux: PrivateTmux | null = null;
let running: RunningConsole | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
  tmux?.kill();
  tmux = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('serve: listening before the rest of start-up', () => {
  it('listens once it holds the lock; /healthz says starting, then ok; an early request is answered once started', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-starting-'));
    tmux = new PrivateTmux();
    const dbPath = path.join(dir, 'architect.db');
    const seen: { health?: { status: number; text: string }; lockRefused?: unknown; early?: Promise<{ status: number; body: unknown }>; socket?: Promise<unknown> } = {};
    const onListening = async (server: WebServer): Promise<void> => {
      // Here the rest of the core has not started: the database is this console's already.
      try {
        lockForConsole(dbPath).release();
      } catch (err) {
        seen.lockRefused = err;
      }
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      seen.health = { status: res.status, text: await res.text() };
      seen.early = fetch(`http://127.0.0.1:${server.port}/api/query/stats_dashboard`, { headers: { authorization: `Bearer ${server.token}` } }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }));
      seen.socket = new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`, [RPC_SUBPROTOCOL], { headers: { 'x-architect-token': server.token } });
        ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'app.info', params: {} })));
        ws.on('message', (data) => {
          resolve(JSON.parse(String(data)));
          ws.close();
        });
        ws.on('unexpected-response', (_req, r) => reject(new Error(`upgrade refused: ${r.statusCode}`)));
        ws.on('error', reject);
      });
    };
    running = await serveConsole({
      globals: { configDir: defaultConfigDir(), dbPath, dataDir: dir, env: null, tmuxSockets: [tmux.socket], watchDefaultTmux: false, logLevel: 'error', json: false },
      port: 0,
      log: silentLogger,
      onListening,
    });
    expect(seen.lockRefused).toBeInstanceOf(ConsoleLockedError);
    expect(seen.health).toEqual({ status: 503, text: 'starting' });
    const health = await fetch(`${new URL(running.server.url).origin}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok']);
    // The requests made while it started were held, then answered.
    expect((await seen.early!).status).toBe(200);
    expect(await seen.socket).toMatchObject({ id: 1, result: { name: 'Architect', dbPath } });
  }, 60_000);
});
