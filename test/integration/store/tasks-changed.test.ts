// `tasks.changed` once per burst of changes: a round (or a start-up recovery of
// thousands of timed-out tasks) changes many tasks in one turn, and every client used to
// get an event per task — each one reading the counts and writing to every socket.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../src/shared/api.js';
import { EventBus } from '../../../src/main/events/bus.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { setupStore, TASKS_CHANGED_EVERY_MS, type StoreFeature } from '../../../src/main/setup/store.js';
import { EXTERNAL_WRITE_POLL_MS } from '../../../src/main/store/external-writes.js';
import { TaskService } from '../../../src/main/tasks/service.js';

let dir: string;
let feature: StoreFeature;
let bus: EventBus;
let events: Array<EventPayload<'tasks.changed'>>;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-tasks-changed-'));
  bus = new EventBus();
  events = [];
  bus.on('tasks.changed', (p) => events.push(p));
  feature = setupStore({ path: path.join(dir, 'architect.db'), bus, log: silentLogger });
});
afterEach(() => {
  feature.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function nextEvent(): Promise<EventPayload<'tasks.changed'>> {
  const seen = events.length;
  for (let i = 0; i < 200 && events.length === seen; i++) await sleep(10);
  expect(events.length).toBeGreaterThan(seen);
  return events[events.length - 1]!;
}

describe('tasks.changed', () => {
  it('is one event with the final counts for many changes in one turn, and another for the next burst', async () => {
    const tasks = new TaskService({ store: feature.store, config: () => null });
    tasks.onChange(() => feature.publishTasks());
    for (let i = 0; i < 300; i++) tasks.create({ type: 'shell', title: `t${i}`, prompt: 'p' });
    const ids = feature.store.tasks.list({ limit: 300 }).tasks.map((t) => t.id);
    for (const id of ids.slice(0, 100)) tasks.cancel(id, 'not needed');
    expect(events).toEqual([]); // nothing pushed from inside the burst

    const first = await nextEvent();
    expect(first.total).toBe(300);
    expect(first.counts).toMatchObject({ pending: 200, cancelled: 100 });
    // Nothing more for that burst, however long one waits.
    await sleep(TASKS_CHANGED_EVERY_MS * 3);
    expect(events).toHaveLength(1);

    tasks.create({ type: 'shell', title: 'one more', prompt: 'p' });
    const second = await nextEvent();
    expect(second.total).toBe(301);
    expect(events).toHaveLength(2);
  });

  it('says nothing when the counts did not move', async () => {
    feature.publishTasks();
    await sleep(TASKS_CHANGED_EVERY_MS * 2);
    expect(events).toEqual([]);
  });

  it("onOutsideCommit hears another connection's commit, never this console's own writer's (which still moves the counts)", async () => {
    let outside = 0;
    feature.onOutsideCommit(() => outside++);
    const tasks = new TaskService({ store: feature.store, config: () => null });
    tasks.create({ type: 'shell', title: 'ours', prompt: 'p' });
    feature.publishTasks();
    expect((await nextEvent()).counts.pending).toBe(1);
    await sleep(EXTERNAL_WRITE_POLL_MS * 3);
    expect(outside).toBe(0);
    const other = new Database(feature.store.path);
    other.prepare("INSERT INTO tasks(type, title) VALUES ('shell', 'from the CLI')").run();
    other.close();
    expect((await nextEvent()).counts.pending).toBe(2);
    for (let i = 0; i < 100 && outside === 0; i++) await sleep(10);
    expect(outside).toBe(1);
  });
});
