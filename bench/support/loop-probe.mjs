// Loaded into `architect serve` by console.bench.ts (NODE_OPTIONS=--import): the
// event loop's delay, measured from inside without touching the console's code, so
// the same figure is read before and after a change. SIGUSR2 writes what was seen
// since the last signal to ARCHITECT_LOOP_PROBE and starts afresh. Children (the
// query readers) do not inherit it.
import fs from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import v8 from 'node:v8';

const out = process.env.ARCHITECT_LOOP_PROBE;
delete process.env.ARCHITECT_LOOP_PROBE;
delete process.env.NODE_OPTIONS;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  // Where the process's memory is, at the moment its RSS peaked since the last signal:
  // the main isolate's heap, memory outside it held by JS objects (external), and what
  // the kernel counts as anonymous (heap, SQLite's page caches, the worker threads'
  // isolates, malloc) and file-backed (the node binary, native modules).
  let peak = null;
  const mb = (n) => Math.round(n / 1048576);
  const sample = () => {
    try {
      const m = process.memoryUsage();
      if (peak && m.rss <= peak.rss) return;
      const rollup = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
      const threads = Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
      const space = (name) => v8.getHeapSpaceStatistics().find((x) => x.space_name === name)?.space_size ?? 0;
      peak = { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, newSpace: space('new_space'), oldSpace: space('old_space'), external: m.external, arrayBuffers: m.arrayBuffers, anon: kb('Anonymous'), file: kb('Rss') - kb('Anonymous'), threads };
    } catch {
      // not Linux: no breakdown
    }
  };
  globalThis.setInterval(sample, 500).unref();
  // With ARCHITECT_LOOP_PROBE_STALLS_MS: each delay of at least that many ms, and when it
  // ended (epoch ms), so a bench run can say where its worst stalls fell. Off by default:
  // the 10 ms timer is work of its own.
  const stallMs = Number(process.env.ARCHITECT_LOOP_PROBE_STALLS_MS ?? 0);
  delete process.env.ARCHITECT_LOOP_PROBE_STALLS_MS;
  let stalls = [];
  if (stallMs > 0) {
    let last = performance.now();
    globalThis.setInterval(() => {
      const now = performance.now();
      const late = now - last - 10;
      last = now;
      if (late >= stallMs && stalls.length < 1000) stalls.push({ at: Date.now(), ms: Math.round(late) });
    }, 10).unref();
  }
  // With ARCHITECT_LOOP_PROBE_AFTER_MS: a second histogram, from that long after each
  // signal on (the bench's figures "after the start's one-off work").
  const afterMs = Number(process.env.ARCHITECT_LOOP_PROBE_AFTER_MS ?? 0);
  delete process.env.ARCHITECT_LOOP_PROBE_AFTER_MS;
  const late = afterMs > 0 ? monitorEventLoopDelay({ resolution: 10 }) : null;
  let lateTimer = null;
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const mem = peak ? Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, k === 'threads' ? v : mb(v)])) : null;
    const after = late && late.count > 0 ? { p99: ms(late.percentile(99)), max: ms(late.max), count: late.count } : null;
    fs.writeFileSync(out, JSON.stringify({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), count: h.count, mem, stalls, after }));
    if (late) {
      late.disable();
      late.reset();
      if (lateTimer) clearTimeout(lateTimer);
      lateTimer = globalThis.setTimeout(() => late.enable(), afterMs);
      lateTimer.unref();
    }
    h.reset();
    stalls = [];
    peak = null;
  });
}
