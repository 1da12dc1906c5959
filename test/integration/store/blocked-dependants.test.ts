import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCKED_DEPENDANTS_SQL } from '../../../src/main/store/tasks.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';

// A task that finishes looks up the blocked tasks waiting on it (the task core's tell,
// once per finished task, on the console's thread). On the 1M seed (30k blocked tasks,
// no dependencies) SQLite started from the status index and read every blocked task
// per call: ~9 ms each, 5.5 s of the main thread in the first 70 s of a console bench
// run. The read starts from the dependency index now.
let store: Store;
let remove: () => void;
beforeEach(() => ({ store, remove } = tempStore()));
afterEach(() => remove());

const plan = (sql: string): string =>
  (store.writer.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1) as Array<{ detail: string }>).map((r) => r.detail).join('; ');

describe('blocked dependants', () => {
  it('are found through the dependency index, not by reading every blocked task', () => {
    const first = store.tasks.add({ type: 'shell', title: 'first' });
    const waiting = store.tasks.add({ type: 'shell', title: 'waits on first', dependsOn: [first.id] });
    store.transaction(() => {
      for (let i = 0; i < 2_000; i++) store.tasks.add({ type: 'shell', title: `b${i}` });
    });
    store.writer.prepare("UPDATE tasks SET status = 'blocked' WHERE id <> ?").run(first.id);

    expect(store.tasks.blockedDependants(first.id)).toEqual([waiting.id]);
    expect(store.tasks.blockedDependants(waiting.id)).toEqual([]);
    expect(plan(BLOCKED_DEPENDANTS_SQL)).toMatch(/^SEARCH d USING INDEX idx_task_dependencies_on \(depends_on=\?\); SEARCH t USING INTEGER PRIMARY KEY/);
    // Without the unary plus (and no ANALYZE statistics, as on the seed), SQLite starts from the blocked tasks.
    expect(plan(BLOCKED_DEPENDANTS_SQL.replace('+t.status', 't.status'))).toMatch(/^SEARCH t USING COVERING INDEX idx_tasks_pending_priority \(status=\?\)/);
  });
});
