import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskQueue } from '../../../src/main/store/task-queue.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { tempStore } from '../assigner/fixture.js';

// What sessions hold, asked 2–3 times a round for the ~100 sessions a console sees
// (issue 20): the statement for a list of that length is prepared once, not per call.

describe('heldBy', () => {
  let t: ReturnType<typeof tempStore>;
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(() => t.cleanup());

  it('answers from one prepared statement per list length, and right every time', () => {
    const at = toSqlTime(new Date());
    const insert = t.store.writer.prepare(
      "INSERT INTO tasks(type, title, prompt, priority, status, assigned_to, assigned_at, created_at, updated_at) VALUES ('bug_fix', 't', 'p', 5, 'assigned', ?, ?, ?, ?)",
    );
    for (const s of ['w1', 'w2', 'w3']) insert.run(s, at, at, at);
    const queue = new TaskQueue(t.store);
    const prepare = vi.spyOn(t.store.writer, 'prepare');

    for (let i = 0; i < 5; i++) expect(queue.heldBy(['w1', 'w2', 'nobody']).map((h) => h.session).sort()).toEqual(['w1', 'w2']);
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(queue.heldBy(['w3']).map((h) => h.session)).toEqual(['w3']);
    expect(queue.heldBy(['w2']).map((h) => h.session)).toEqual(['w2']);
    expect(prepare).toHaveBeenCalledTimes(2);
  });
});
