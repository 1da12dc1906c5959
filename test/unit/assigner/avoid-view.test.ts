import { describe, expect, it } from 'vitest';
import { AVOID_AFTER_TIMEOUT_MS, RoundRules } from '../../../src/main/assigner/round-rules.js';

// The avoid rule's memory at scale (issue 20): a console started on the 1M seed gives
// back ~45k timed-out tasks, each kept from its session for ten minutes. A round asks
// only about the tasks it read; what it gets is a view of that memory, not a copy of
// it per round, and the tasks whose ten minutes are over leave it from the front.

const BACKLOG = 50_000;

describe('the avoid rule over a backlog', () => {
  it('answers for the tasks a round asks about, and drops the ended ones', () => {
    const rules = new RoundRules();
    const t0 = Date.UTC(2026, 11, 7, 6, 0, 0);
    for (let id = 1; id <= BACKLOG; id++) rules.gaveBack(id, `gone${id % 7}`, 'timeout', new Date(t0));
    rules.gaveBack(BACKLOG + 1, 'w1', 'exited', new Date(t0)); // not a timeout: nothing to avoid

    const now = rules.avoiding(new Date(t0 + 1_000));
    expect(now.size).toBe(BACKLOG);
    expect(now.get(7)).toBe('gone0');
    expect(now.has(BACKLOG)).toBe(true);
    expect(now.has(BACKLOG + 1)).toBe(false);

    // Five minutes on, one of them times out again (on another session): it is kept from that one, ten minutes from now.
    rules.gaveBack(7, 'w2', 'timeout', new Date(t0 + 5 * 60_000));
    // Ten minutes after the backlog: all of it ended, except the one given back later.
    const later = rules.avoiding(new Date(t0 + AVOID_AFTER_TIMEOUT_MS + 1));
    expect(later.size).toBe(1);
    expect(later.get(7)).toBe('w2');
    expect(later.has(8)).toBe(false);

    // A view of the memory, not a copy of it (a copy per round was the cost): what changed since shows in it.
    expect(now.get(7)).toBe('w2');
    expect(rules.avoiding(new Date(t0 + 5 * 60_000 + AVOID_AFTER_TIMEOUT_MS)).size).toBe(0);
  });
});
