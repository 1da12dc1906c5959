import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CORE_ONLY_COLUMNS, DATABASE_TABLES } from '../../../src/main/config/checks/database.js';
import { WRITABLE_TABLES } from '../../../src/main/config/checks/database.js';
import { DatabaseStepError, insertRow, updateRows, WORKFLOW_TABLES } from '../../../src/main/store/workflow-writes.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';

let store: Store;
let remove: () => void;
beforeEach(() => ({ store, remove } = tempStore()));
afterEach(() => remove());

describe('DATABASE_TABLES (the config checks’ known columns)', () => {
  it('names only columns the migrated database has, including hold_reason and task_dependencies', () => {
    for (const [table, columns] of Object.entries(DATABASE_TABLES)) {
      const actual = (store.reader.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
      expect(actual.length, `table ${table}`).toBeGreaterThan(0);
      for (const c of columns) expect(actual, `${table}.${c}`).toContain(c);
    }
    expect(DATABASE_TABLES.tasks).toContain('hold_reason');
    expect(DATABASE_TABLES.task_dependencies).toEqual(['task_id', 'depends_on']);
  });

  it('keeps hold_reason out of what a workflow database step may write (hold and release are the core’s)', () => {
    expect(CORE_ONLY_COLUMNS.tasks).toContain('hold_reason');
    expect(WORKFLOW_TABLES.tasks).not.toContain('hold_reason');
    expect(WORKFLOW_TABLES.tasks).toContain('last_error');
  });

  it('a database step writes only what config check lets it: the tasks, never projects or notifications', () => {
    expect(Object.keys(WORKFLOW_TABLES)).toEqual([...WRITABLE_TABLES]);
    for (const table of ['projects', 'notifications']) {
      expect(() => insertRow(store.writer, table, { name: 'web', path: '/tmp/web', kind: 'note', message: 'm' })).toThrow(DatabaseStepError);
      expect(() => updateRows(store.writer, table, { message: 'm' }, { id: 1 })).toThrow(`a database step may write tasks, not "${table}"`);
    }
    expect(store.reader.prepare('SELECT (SELECT count(*) FROM projects) + (SELECT count(*) FROM notifications)').pluck().get()).toBe(0);
  });
});
