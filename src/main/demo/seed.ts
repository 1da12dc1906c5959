import { DemoWrites } from '../store/demo-writes.js';
import type { Store } from '../store/store.js';
import { toSqlTime } from '../store/time.js';
import type { DemoPane } from './fleet.js';
import { seedSessionHistory } from './history.js';

/** Fresh work for the fleet to pick up: one per routed type of the seed rules. */
export const DEMO_TASKS = [
  { type: 'bug_fix', title: 'Fix the flaky login test', priority: 8 },
  { type: 'feature_development', title: 'Add pagination to /api/tasks', priority: 6 },
  { type: 'performance_optimization', title: 'Speed up the dashboard query', priority: 7 },
  { type: 'ui_improvement', title: 'Dark mode for the settings page', priority: 4 },
  { type: 'infrastructure', title: 'Rotate the staging TLS certificate', priority: 9 },
  { type: 'bug_fix', title: 'Crash when a pane closes mid-task', priority: 9 },
  { type: 'feature_development', title: 'Export the task queue as CSV', priority: 3 },
  { type: 'ui_improvement', title: 'Keyboard shortcut for the command palette', priority: 5 },
] as const;

/** The task the demo's busy agent holds from the start, so its card shows one. */
const WORKING_ON = { session: 'dev_worker2', type: 'performance_optimization', minutesAgo: 12 } as const;

/** A day of finished work, so the charts have something to show from the first second. */
const HISTORY_TASKS = 240;
const DAY_MS = 24 * 3600 * 1000;
/** History priorities stay below the open tasks' (up to 9), so fresh work tops the priority sort. */
const HISTORY_PRIORITIES = 8;
const TYPES = ['bug_fix', 'feature_development', 'performance_optimization', 'ui_improvement', 'infrastructure'];
const AGENTS = ['dev_worker1', 'dev_worker2', 'codex', 'claude_comet'];

export function seedDemo(
  store: Store,
  opts: { projectDir: string; now?: Date; onProgress?(done: number, total: number): void; /** The running fleet's panes, given a past. */ panes?: DemoPane[] },
): { tasks: number } {
  const now = (opts.now ?? new Date()).getTime();
  const project = store.projects.add(opts.projectDir, 'demo-project');
  const writes = new DemoWrites(store.writer);
  const total = HISTORY_TASKS + DEMO_TASKS.length;
  store.transaction(() => {
    for (let i = 0; i < HISTORY_TASKS; i++) {
      // Deterministic spread: busier in the last hours, a failure every ninth task.
      const type = TYPES[i % TYPES.length]!;
      const created = now - DAY_MS * Math.pow((i * 7919) % HISTORY_TASKS / HISTORY_TASKS, 1.6) - 20 * 60_000;
      // Queued 0–3 minutes, worked 2–10: against the default 10-minute SLA mostly on time, some late.
      const spread = Math.imul(i + 1, 2654435761) >>> 0;
      const started = created + ((spread >>> 28) % 4) * 60_000;
      const finished = Math.min(now - 60_000, started + (2 + ((spread >>> 16) % 9)) * 60_000);
      const t = (ms: number): string => toSqlTime(new Date(ms));
      writes.addHistoryTask({
        type,
        title: `${type.replace(/_/g, ' ')} #${i + 1}`,
        prompt: `Demo history task ${i + 1}`,
        priority: (i * 3) % HISTORY_PRIORITIES,
        status: i % 9 === 0 ? 'failed' : 'completed',
        projectId: project.id,
        assignedTo: AGENTS[i % AGENTS.length]!,
        createdAt: t(created),
        updatedAt: t(finished),
        assignedAt: t(started),
        startedAt: t(started),
        completedAt: t(finished),
      });
      if (i % 40 === 0) opts.onProgress?.(i, total);
    }
  });
  const added = DEMO_TASKS.map((task) => store.tasks.add({ ...task, prompt: `${task.title}. Keep the change small and run the tests.`, projectId: project.id }));
  // dev_worker2 starts out working: on the performance task, as the queue records it.
  const held = added.find((t) => t.type === WORKING_ON.type);
  if (held) {
    const t = toSqlTime(new Date(now - WORKING_ON.minutesAgo * 60_000));
    writes.alreadyWorking(held.id, WORKING_ON.session, t);
  }
  if (opts.panes) seedSessionHistory(store, opts.panes, now);
  store.errors.record('tmux', 'demo: pane dev_worker2 printed "Quota exceeded" (simulated)');
  opts.onProgress?.(total, total);
  return { tasks: total };
}
