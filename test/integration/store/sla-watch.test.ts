// The SLA watch is one code on both engines (src/main/alerts/sla-watcher.ts over an
// SlaQueue): the same tasks on SQLite (the console's own file) and on a real throw-away
// PostgreSQL (a shared queue, read through store/postgres/sla-reads.ts) give the same
// alerts, the same backlog summary, the same wakes and the same reassign, once.
import { describe, expect, it } from 'vitest';
import { sharedSlaQueue } from '../../../src/main/alerts/shared-sla-queue.js';
import { BACKLOG_ALERTS, SlaWatcher } from '../../../src/main/alerts/sla-watcher.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { PostgresSlaReads } from '../../../src/main/store/postgres/sla-reads.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { SqliteTaskStore, type TaskStore } from '../../../src/main/store/task-store.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { storeEngines, type Rows } from '../../support/engines.js';
import { slaRules } from '../../support/sla-rules.js';
import { tempStore } from './temp-store.js';

const MINUTE = 60_000;
const RULES = slaRules(
  [
    { condition: 'percent_used >= critical_percent', action: 'alert_user', notification_channels: ['dashboard'] },
    // Names a column: the start-up pass groups by status too.
    { condition: "percent_used >= critical_percent && task_type == 'deploy' && status == 'assigned'", action: 'reassign' },
  ],
  ['shell', 'deploy', 'default'],
);

interface Engine {
  tasks: TaskStore;
  /** A watcher over this engine's tasks; its alerts in `local` (the console's own file). */
  watcher: (clock: () => Date) => SlaWatcher;
  setCreated: (id: number, at: string) => Promise<void>;
  rows: Rows;
}

const { engines } = storeEngines<Engine>({
  sqlite: ({ store, rows }) => ({
    tasks: new SqliteTaskStore(store),
    watcher: (clock) => new SlaWatcher({ store, getSnapshot: () => ({ sla: RULES }), clock }),
    setCreated: async (id, at) => void store.writer.prepare('UPDATE tasks SET created_at = ? WHERE id = ?').run(at, id),
    rows,
  }),
  postgres: ({ pool, rows }) => {
    const tasks = new PostgresTaskStore(pool);
    const local = tempStore();
    const reads = new PostgresSlaReads(pool);
    return {
      tasks,
      watcher: (clock) =>
        new SlaWatcher({
          store: local.store,
          queue: sharedSlaQueue({ reads, queueName: 'test', record: (d, now) => tasks.record(d, now), log: silentLogger, reassignUnit: (fn) => tasks.transaction((tx) => fn(tx)) }),
          getSnapshot: () => ({ sla: RULES }),
          clock,
        }),
      setCreated: async (id, at) => void (await pool.query('UPDATE tasks SET created_at = $1 WHERE id = $2', [at, id])),
      rows,
      close: () => local.remove(),
    };
  },
});

describe.each(engines)('the SLA watch on %s', (_name, open, skip) => {
  it.skipIf(skip)('a backlog gets one summary, a few late tasks one alert each, a crossing wakes it, a held deploy task is reassigned once', async () => {
    const e = await open();
    try {
      const now = Date.parse('2026-12-07T02:00:00.000Z');
      const add = async (type: string, title: string, agoMs: number): Promise<number> => {
        const task = await e.tasks.add({ type, title, prompt: 'p', priority: 5 });
        await e.setCreated(task.id, toSqlTime(new Date(now - agoMs)));
        return task.id;
      };
      // A backlog of one type past its default target, a few late shell tasks, one shell
      // task a minute before critical, and a deploy task past critical held by agent_1.
      for (let i = 0; i < BACKLOG_ALERTS + 5; i++) await add('anything', `backlog ${i}`, 20 * MINUTE + i);
      const late = [await add('shell', 'late a', 6 * MINUTE), await add('shell', 'late b', 7 * MINUTE)];
      const soon = await add('shell', 'soon', 4 * MINUTE);
      const deploy = await add('deploy', 'stuck deploy', 28 * MINUTE);
      expect(await e.tasks.claimMany([{ taskId: deploy, session: 'agent_1', reason: 'test' }], [], new Date(now))).toHaveLength(1);

      let clockMs = now;
      const w = e.watcher(() => new Date(clockMs));
      await w.fullPass();
      const alerts = () => w.alerts.list({ limit: 1000 });
      const summaries = alerts().filter((a) => a.message.includes('(a backlog)'));
      expect(summaries).toHaveLength(1);
      expect(summaries[0]!.message).toContain(`${BACKLOG_ALERTS + 5} open anything tasks were already critical`);
      // Each late task (and the deploy task) alerted on its own; the summary covers the backlog.
      const own = alerts().filter((a) => !a.message.includes('(a backlog)'));
      expect(own).toHaveLength(3);
      for (const id of [...late, deploy]) expect(own.some((a) => a.taskId === id || a.message.includes(`task #${id}`))).toBe(true);
      // Only the tasks with an alert of their own or a reassign were read one by one.
      expect(w.rowsRead).toBeLessThanOrEqual(4);

      // The held deploy task went back to the queue, its once-key decision beside the move.
      expect(await e.tasks.status(deploy)).toBe('pending');
      const once = await e.rows("SELECT decision FROM decisions WHERE task_id = $1 AND kind = 'sla' AND decision LIKE 'sla:%:reassign:%'", [deploy]);
      expect(once).toHaveLength(1);

      // The next wake is when `soon` reaches critical; at it, that task alone alerts.
      expect(w.nextWakeAt()).toBe(now - 4 * MINUTE + 5 * MINUTE);
      clockMs = now + MINUTE;
      const raised = await w.runDue();
      expect(raised).toHaveLength(1);
      expect(raised[0]!.taskId === soon || raised[0]!.message.includes(`task #${soon}`)).toBe(true);

      // Held again past its target, a new watcher (a restart) moves it no more and repeats no alert.
      expect(await e.tasks.claimMany([{ taskId: deploy, session: 'agent_2', reason: 'test' }], [], new Date(clockMs))).toHaveLength(1);
      const restarted = e.watcher(() => new Date(clockMs));
      await restarted.fullPass();
      expect(await e.tasks.status(deploy)).toBe('assigned');
      expect(await e.rows("SELECT decision FROM decisions WHERE task_id = $1 AND kind = 'sla' AND decision LIKE 'sla:%:reassign:%'", [deploy])).toHaveLength(1);
      expect(restarted.alerts.countOpen()).toBe(5);
    } finally {
      await e.close();
    }
  }, 60_000);
});
