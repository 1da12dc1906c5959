import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttentionMemory, AttentionTaskReads, type TaskOutcome } from '../../../src/main/store/attention.js';
import { QUIET_CURSOR_WRITE_MS, localAttentionTasks } from '../../../src/main/notifications/task-events.js';
import { tempStore } from '../store/temp-store.js';

// The attention feed's cursor in the task history (issue 20): written when outcomes
// were read, and otherwise at most every QUIET_CURSOR_WRITE_MS — a queue change that is
// no outcome (a requeue, a claim) is not a write of its own. A restart never repeats
// an outcome and never loses one.

describe('the task history cursor', () => {
  let t: ReturnType<typeof tempStore>;
  let now: number;
  beforeEach(() => {
    t = tempStore();
    now = 1_000_000;
  });
  afterEach(() => t.remove());

  const stored = (): number | null => (t.store.reader.prepare("SELECT position FROM attention_cursors WHERE source = 'task_events'").pluck().get() as number | undefined) ?? null;
  const source = () => {
    const tasks = localAttentionTasks(new AttentionTaskReads(t.store.writer), new AttentionMemory(t.store.writer), () => now);
    // This console's file answers at once (a shared queue's source is the one that waits).
    return { read: () => tasks.readOutcomes() as TaskOutcome[] };
  };
  const add = (title: string): number =>
    Number(
      t.store.writer
        .prepare("INSERT INTO tasks(type, title, prompt, priority, status, created_at, updated_at) VALUES ('bug_fix', ?, 'p', 5, 'pending', datetime('now'), datetime('now'))")
        .run(title).lastInsertRowid,
    );
  const setStatus = (id: number, status: string): void => {
    t.store.writer.prepare("UPDATE tasks SET status = ?, updated_at = datetime('now') WHERE id = ?").run(status, id);
  };
  const lastEvent = (): number => t.store.reader.prepare('SELECT COALESCE(MAX(id), 0) FROM task_events').pluck().get() as number;

  it('moves in memory over queue changes that are no outcome, and is written with an outcome', () => {
    const feed = source();
    expect(feed.read()).toEqual([]); // first run: starts at the end
    const start = stored();
    expect(start).not.toBeNull();

    // A burst of queue changes, none an outcome, polled after each.
    const ids = Array.from({ length: 20 }, (_, i) => add(`task ${i}`));
    for (const id of ids) {
      setStatus(id, 'assigned');
      now += 10;
      expect(feed.read()).toEqual([]);
    }
    expect(stored()).toBe(start); // no write for them

    // An outcome: read, and the cursor stored past it before it is told.
    setStatus(ids[0]!, 'completed');
    now += 10;
    const outcomes = feed.read();
    expect(outcomes.map((o) => [o.taskId, o.to])).toEqual([[ids[0], 'completed']]);
    expect(stored()).toBe(lastEvent());
  });

  it('is written after QUIET_CURSOR_WRITE_MS of changes without an outcome', () => {
    const feed = source();
    feed.read();
    const start = stored();
    const id = add('quiet');
    setStatus(id, 'assigned');
    now += QUIET_CURSOR_WRITE_MS;
    feed.read();
    expect(stored()).toBe(lastEvent());
    expect(stored()).not.toBe(start);
    setStatus(id, 'in_progress');
    now += 1;
    feed.read();
    expect(stored()).toBeLessThan(lastEvent());
  });

  it('a restart repeats no outcome and loses none', () => {
    const feed = source();
    feed.read();
    const a = add('a');
    const b = add('b');
    setStatus(a, 'completed');
    expect(feed.read().map((o) => o.taskId)).toEqual([a]);
    setStatus(b, 'assigned'); // no outcome: the stored cursor lags behind it
    now += 1;
    expect(feed.read()).toEqual([]);

    // The console restarts: a new source over the same file.
    setStatus(b, 'failed');
    const again = source();
    expect(again.read().map((o) => [o.taskId, o.to])).toEqual([[b, 'failed']]);
    expect(again.read()).toEqual([]);
  });
});
