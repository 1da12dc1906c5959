// startup_ms: core ready (config loaded, database open and migrated, tmux watched).
// rpc_roundtrip_us: one contract command over the real WebSocket transport, p50.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startCore } from '../src/main/core.js';
import { silentLogger } from '../src/main/log/logger.js';
import { defaultConfigDir } from '../src/main/paths.js';
import { startWebServer } from '../src/main/web/server.js';

const ROUNDTRIPS = 2000;

export async function run(opts: { quick?: boolean }): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-'));
  try {
    const t0 = performance.now();
    const core = await startCore({
      configDir: defaultConfigDir(),
      dbPath: path.join(dir, 'a.db'),
      dataDir: dir,
      env: null,
      tmuxSockets: [],
      watchDefaultTmux: false,
      log: silentLogger,
      runtime: 'node',
      transport: 'websocket',
    });
    const startup = performance.now() - t0;
    const server = await startWebServer({ handlers: core.handlers, bus: core.bus, log: silentLogger, port: 0 });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`, { headers: { 'x-architect-token': server.token } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const samples: number[] = [];
    const n = opts.quick ? ROUNDTRIPS / 4 : ROUNDTRIPS;
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await new Promise<void>((resolve) => {
        ws.once('message', () => resolve());
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'app.info' }));
      });
      samples.push((performance.now() - t) * 1000);
    }
    ws.close();
    await server.close();
    await core.stop();
    samples.sort((a, b) => a - b);
    return { startup_ms: startup, rpc_roundtrip_us: samples[Math.floor(samples.length / 2)] ?? NaN };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
