import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlaReads, slaCrossingSql } from '../../../src/main/store/sla-reads.js';
import type { Store } from '../../../src/main/store/store.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { tempStore } from './temp-store.js';

// The SLA watcher's reads (moved into the store, issue 14), against a real SQLite file.
let store: Store;
let remove: () => void;
beforeEach(() => ({ store, remove } = tempStore()));
afterEach(() => remove());

const plan = (sql: string, args: unknown[]): string[] =>
  (store.writer.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
const setCreated = (id: number, at: Date): void => {
  store.writer.prepare('UPDATE tasks SET created_at = ? WHERE id = ?').run(toSqlTime(at), id);
};

describe('SlaReads', () => {
  it('walks the created_at index for both crossing reads, for a type and for the default target', () => {
    for (let i = 0; i < 200; i++) store.tasks.add({ type: i % 2 ? 'shell' : 'bug_fix', title: `t${i}` });
    for (const types of [{ type: 'shell' }, { otherThan: ['shell', 'bug_fix'] }, { otherThan: [] }]) {
      const sql = slaCrossingSql(types);
      expect(plan(sql.between, ['a', 'b', ...sql.typeArgs]).join('; ')).toMatch(/USING INDEX idx_tasks_created \(created_at>\? AND created_at<\?\)/);
      const next = plan(sql.next, ['a', ...sql.typeArgs]).join('; ');
      expect(next).toMatch(/USING INDEX idx_tasks_created \(created_at>\?\)/);
      expect(next).not.toMatch(/TEMP B-TREE/);
    }
    // Without the unary plus, SQLite would read a whole type's tasks through its index: the hint is what the check above sees.
    const bare = slaCrossingSql({ type: 'shell' }).between.replaceAll('+', '');
    expect(plan(bare, ['a', 'b', 'shell']).join('; ')).not.toMatch(/idx_tasks_created/);
  });

  it('reads the tasks that crossed, the next to cross, open slices, events and a reassign once-key', () => {
    const base = Date.parse('2026-01-01T10:00:00Z');
    const shell1 = store.tasks.add({ type: 'shell', title: 's1' });
    const shell2 = store.tasks.add({ type: 'shell', title: 's2' });
    const other = store.tasks.add({ type: 'bug_fix', title: 'b' });
    const done = store.tasks.add({ type: 'shell', title: 'cancelled' });
    setCreated(shell1.id, new Date(base));
    setCreated(shell2.id, new Date(base + 60_000));
    setCreated(other.id, new Date(base + 30_000));
    setCreated(done.id, new Date(base + 10_000));
    store.tasks.cancel(done.id);

    const reads = new SlaReads(store.writer);
    const shell = reads.crossing({ type: 'shell' });
    const from = toSqlTime(new Date(base - 1));
    expect(shell.createdBetween(from, toSqlTime(new Date(base + 60_000)))).toEqual([shell1.id, shell2.id]);
    expect(shell.createdBetween(from, toSqlTime(new Date(base + 59_000)))).toEqual([shell1.id]);
    expect(shell.nextCreatedAfter(toSqlTime(new Date(base)))).toBe(toSqlTime(new Date(base + 60_000)));
    expect(shell.nextCreatedAfter(toSqlTime(new Date(base + 60_000)))).toBeUndefined();
    const rest = reads.crossing({ otherThan: ['shell'] });
    expect(rest.createdBetween(from, toSqlTime(new Date(base + 120_000)))).toEqual([other.id]);

    expect(reads.allOpen().map((r) => r.id).sort((a, b) => a - b)).toEqual([shell1.id, shell2.id, other.id]);
    expect(reads.openAfterId(shell1.id, 1).map((r) => r.id)).toEqual([shell2.id]);
    expect(reads.byIds([done.id, other.id, 9999]).map((r) => [r.id, r.status]).sort()).toEqual([
      [other.id, 'pending'],
      [done.id, 'cancelled'],
    ].sort());

    // The wake's changes: to an open status only; reopenedOnly, only from a status that was not open.
    const last = reads.lastEventId();
    expect(last).toBeGreaterThan(0);
    expect(reads.changedTasks(last, last + 10, false)).toEqual([]);
    store.tasks.cancel(other.id);
    store.tasks.retry(other.id);
    store.writer.prepare("UPDATE tasks SET status = 'assigned', assigned_to = 'w1' WHERE id = ?").run(shell1.id);
    const now = reads.lastEventId();
    expect(now - last).toBe(3);
    expect(reads.changedTasks(last, now, false).sort((a, b) => a - b)).toEqual([shell1.id, other.id].sort((a, b) => a - b));
    expect(reads.changedTasks(last, now, true)).toEqual([other.id]);
    expect(reads.changedTasks(last, last + 1, false)).toEqual([]); // the cancel alone: the task left the board

    expect(reads.reassigned(shell1.id, 'rule-0')).toBe(false);
    store.writer.prepare("INSERT INTO decisions (task_id, kind, decision, reason) VALUES (?, 'sla', 'rule-0', 'test')").run(shell1.id);
    expect(reads.reassigned(shell1.id, 'rule-0')).toBe(true);
    expect(reads.reassigned(shell2.id, 'rule-0')).toBe(false);
  });
});
