import type { Store } from '../store/store.js';
import { toSqlTime } from '../store/time.js';

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

/** A day of finished work, so the charts have something to show from the first second. */
const HISTORY_TASKS = 240;
const DAY_MS = 24 * 3600 * 1000;
const TYPES = ['bug_fix', 'feature_development', 'performance_optimization', 'ui_improvement', 'infrastructure'];
const AGENTS = ['dev_worker1', 'dev_worker2', 'codex', 'claude_comet'];

export function seedDemo(store: Store, opts: { projectDir: string; now?: Date; onProgress?(done: number, total: number): void }): { tasks: number } {
  const now = (opts.now ?? new Date()).getTime();
  const project = store.projects.add(opts.projectDir, 'demo-project');
  const insert = store.writer.prepare(
    `INSERT INTO tasks(type, title, prompt, priority, status, project_id, assigned_to, created_at, updated_at, assigned_at, started_at, completed_at, attempts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
  );
  const total = HISTORY_TASKS + DEMO_TASKS.length;
  store.transaction(() => {
    for (let i = 0; i < HISTORY_TASKS; i++) {
      // Deterministic spread: busier in the last hours, a failure every ninth task.
      const type = TYPES[i % TYPES.length]!;
      const created = now - DAY_MS * Math.pow((i * 7919) % HISTORY_TASKS / HISTORY_TASKS, 1.6) - 20 * 60_000;
      const started = created + ((i * 37) % 10) * 60_000;
      const finished = Math.min(now - 60_000, started + (5 + ((i * 13) % 40)) * 60_000);
      const t = (ms: number): string => toSqlTime(new Date(ms));
      insert.run(type, `${type.replace(/_/g, ' ')} #${i + 1}`, `Demo history task ${i + 1}`, (i * 3) % 11, i % 9 === 0 ? 'failed' : 'completed', project.id, AGENTS[i % AGENTS.length]!, t(created), t(finished), t(started), t(started), t(finished));
      if (i % 40 === 0) opts.onProgress?.(i, total);
    }
  });
  for (const task of DEMO_TASKS) {
    store.tasks.add({ ...task, prompt: `${task.title}. Keep the change small and run the tests.`, projectId: project.id });
  }
  store.errors.record('tmux', 'demo: pane dev_worker2 printed "Quota exceeded" (simulated)');
  opts.onProgress?.(total, total);
  return { tasks: total };
}
