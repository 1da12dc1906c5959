// Loaded into `architect serve` by console.bench.ts (NODE_OPTIONS=--import): the
// event loop's delay, measured from inside without touching the console's code, so
// the same figure is read before and after a change. SIGUSR2 writes what was seen
// since the last signal to ARCHITECT_LOOP_PROBE and starts afresh. Children (the
// query readers) do not inherit it.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.ARCHITECT_LOOP_PROBE;
delete process.env.ARCHITECT_LOOP_PROBE;
delete process.env.NODE_OPTIONS;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    fs.writeFileSync(out, JSON.stringify({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), count: h.count }));
    h.reset();
  });
}
