// The SLA watch on SQLite (src/main/alerts/sla-watcher.ts), on a real file opened as
// the console opens it, with 100,000 open tasks created one every 100 ms over the
// last ~2.8 hours, in four types with targets of 5, 30 and 60 minutes and a default.
// sla_pass_100k_ms: the start-up pass (grouped count on the writer, a summary alert
// per backlog, the few tasks with alerts of their own read one by one), the median
// of three passes, each with no alert stored yet. sla_wake_p50_us / sla_wake_p99_us:
// after the pass, the clock moves one second per wake (about ten tasks cross a level
// in each), and the wake reads and evaluates what crossed or changed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SlaWatcher } from '../src/main/alerts/sla-watcher.js';
import { silentLogger } from '../src/main/log/logger.js';
import { openStore } from '../src/main/store/store.js';
import { toSqlTime } from '../src/main/store/time.js';
import { slaRules } from '../test/support/sla-rules.js';

const TASKS = 100_000;
const QUICK_TASKS = 10_000;
/** Apart in created_at: ten tasks cross each level in a one-second wake. */
const SPACING_MS = 100;
const PASS_RUNS = 3;
const WAKES = 300;
const WAKE_STEP_MS = 1_000;
const TYPES = ['shell', 'deploy', 'claude_task', 'bug_fix'];

const RULES = slaRules([
  { condition: 'percent_used >= critical_percent', action: 'alert_user', notification_channels: ['dashboard', 'log'] },
  { condition: 'percent_used >= warning_percent && percent_used < critical_percent', action: 'alert_user', notification_channels: ['dashboard'] },
  { condition: 'percent_used >= critical_percent', action: 'highlight_task', color: 'red' },
]);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const count = opts.quick ? QUICK_TASKS : TASKS;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-sla-'));
  const store = openStore({ path: path.join(dir, 'sla.db'), logger: silentLogger, backgroundCheckpoints: true });
  try {
    const now = Date.now();
    const first = now - count * SPACING_MS;
    const setCreated = store.writer.prepare('UPDATE tasks SET created_at = ? WHERE id = ?');
    store.transaction(() => {
      for (let i = 0; i < count; i++) {
        const task = store.tasks.add({ type: TYPES[i % TYPES.length]!, title: `t${i}`, prompt: `do ${i}`, priority: i % 11 });
        setCreated.run(toSqlTime(new Date(first + i * SPACING_MS)), task.id);
      }
    });
    const clear = () => store.writer.exec("DELETE FROM notifications; DELETE FROM decisions WHERE kind = 'sla'");
    let clockMs = now;
    const watcher = () => new SlaWatcher({ store, getSnapshot: () => ({ sla: RULES }), clock: () => new Date(clockMs), logger: silentLogger });

    const passes: number[] = [];
    let w = watcher();
    for (let i = 0; i < PASS_RUNS; i++) {
      clear();
      w = watcher();
      const started = performance.now();
      await w.fullPass();
      passes.push(performance.now() - started);
    }
    passes.sort((a, b) => a - b);

    const wakes: number[] = [];
    for (let i = 0; i < WAKES; i++) {
      clockMs += WAKE_STEP_MS;
      const started = performance.now();
      await w.runDue();
      wakes.push((performance.now() - started) * 1000);
    }
    wakes.sort((a, b) => a - b);
    const prefix = opts.quick ? 'sla_pass_10k' : 'sla_pass_100k';
    return {
      [`${prefix}_ms`]: Math.round(passes[Math.floor(PASS_RUNS / 2)]!),
      sla_wake_p50_us: Math.round(percentile(wakes, 0.5)),
      sla_wake_p99_us: Math.round(percentile(wakes, 0.99)),
      sla_wake_rows_read: Math.round(w.rowsRead / WAKES),
    };
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
