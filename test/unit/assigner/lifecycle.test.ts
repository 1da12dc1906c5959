import { describe, expect, it } from 'vitest';
import { lifecycleActions, nextTimeout, type LifecycleInput } from '../../../src/main/assigner/lifecycle.js';
import type { HeldTask } from '../../../src/main/store/task-queue.js';
import { RULES } from './fixture.js';

const ASSIGNED_AT = '2026-01-05 12:00:00.000';
const held = (over: Partial<HeldTask> = {}): HeldTask => ({
  id: 1,
  type: 'bug_fix',
  status: 'assigned',
  session: 'w1',
  assignedAt: ASSIGNED_AT,
  startedAt: null,
  attempts: 0,
  ...over,
});
const at = (minutes: number) => new Date(Date.parse('2026-01-05T12:00:00.000Z') + minutes * 60_000);
const input = (over: Partial<LifecycleInput>): LifecycleInput => ({
  held: [held()],
  sessions: [{ name: 'w1', state: 'idle' }],
  changes: [],
  rules: RULES,
  now: at(1),
  known: new Set(['w1']),
  ...over,
});

describe('lifecycleActions', () => {
  it.each([
    { status: 'assigned', from: 'idle', to: 'working', expected: 'start' },
    { status: 'in_progress', from: 'working', to: 'idle', expected: 'complete' },
    { status: 'in_progress', from: 'waiting', to: 'idle', expected: 'complete' },
    { status: 'assigned', from: 'working', to: 'idle', expected: null }, // not started yet: an idle screen is no result
    // Unreadable for a while (a remote host out of reach) after it was seen working: its turn ended.
    { status: 'in_progress', from: 'unknown', to: 'idle', expected: 'complete' },
    { status: 'assigned', from: 'unknown', to: 'idle', expected: null },
    { status: 'in_progress', from: 'working', to: 'unknown', expected: null }, // host unreachable: the task stays
    { status: 'in_progress', from: 'working', to: 'exited', expected: 'requeue' },
    { status: 'assigned', from: 'idle', to: 'exited', expected: 'requeue' },
    { status: 'in_progress', from: 'working', to: 'waiting', expected: 'attention' },
    { status: 'in_progress', from: 'working', to: 'error', expected: 'attention' },
  ] as const)('$status task, session $from → $to: $expected', ({ status, from, to, expected }) => {
    const actions = lifecycleActions(input({ held: [held({ status })], changes: [{ name: 'w1', from, to, reason: null }] }));
    expect(actions.map((a) => a.kind)).toEqual(expected ? [expected] : []);
  });

  it('a working-then-idle burst in one batch starts and completes the task', () => {
    const actions = lifecycleActions(input({ changes: [{ name: 'w1', from: 'idle', to: 'working', reason: null }, { name: 'w1', from: 'working', to: 'idle', reason: null }] }));
    expect(actions.map((a) => a.kind)).toEqual(['start', 'complete']);
  });

  it('transitions of other sessions do nothing to the task', () => {
    expect(lifecycleActions(input({ changes: [{ name: 'w2', from: 'idle', to: 'exited', reason: null }] }))).toEqual([]);
  });

  it('a session seen before and now absent gives its task back; one never seen (not discovered yet) does not', () => {
    expect(lifecycleActions(input({ sessions: [] }))[0]).toMatchObject({ kind: 'requeue', cause: 'gone' });
    expect(lifecycleActions(input({ sessions: [], known: new Set() }))).toEqual([]);
  });

  it('timeout_minutes: reassigned only once the limit is passed', () => {
    expect(lifecycleActions(input({ now: at(29.9) }))).toEqual([]);
    const [action] = lifecycleActions(input({ now: at(30.5) }));
    expect(action).toMatchObject({ kind: 'requeue', cause: 'timeout', reason: expect.stringContaining('over timeout_minutes 30 for bug_fix') });
    // infrastructure has no timeout_minutes.
    expect(lifecycleActions(input({ held: [held({ type: 'infrastructure' })], now: at(600) }))).toEqual([]);
    expect(nextTimeout([held(), held({ id: 2, type: 'feature_development' })], RULES)).toBe(at(30).getTime());
  });
});
