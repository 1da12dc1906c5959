import { describe, expect, it } from 'vitest';
import type { Session, SessionState } from '../../../src/shared/api.js';
import { SettleTracker } from '../../../src/main/notifications/settle.js';

const session = (id: string, state: SessionState, over: Partial<Session> = {}): Session => ({
  id, name: id, server: 'default', session: id, windowIndex: 0, paneIndex: 0, paneId: '%1', title: '', cwd: '/', pid: 1, command: 'claude', argv: [], argvLength: 0,
  agent: 'claude', state, reason: state === 'waiting' ? 'approval' : null, width: 80, height: 24, stateSince: null, lastOutputAt: null,
  excluded: false, currentTaskId: null, lastLine: null, detail: null, ...over,
});

describe('SettleTracker', () => {
  it('a state counts once it has held for the settle time; a flicker never does', () => {
    const t = new SettleTracker(500);
    t.observe([session('a', 'idle')], 0);
    expect(t.due(499)).toEqual([]);
    expect(t.due(500).map((c) => [c.from, c.to])).toEqual([[null, 'idle']]);
    t.observe([session('a', 'waiting')], 1000);
    t.observe([session('a', 'working')], 1200); // the dialog flashed for 200 ms
    expect(t.nextDueMs()).toBe(1700);
    expect(t.due(1699)).toEqual([]);
    expect(t.due(1700).map((c) => [c.from, c.to])).toEqual([['idle', 'working']]);
    expect(t.due(5000)).toEqual([]);
  });

  it('a reason change within a state settles again; the same state re-seen is nothing new', () => {
    const t = new SettleTracker(100);
    t.observe([session('a', 'waiting')], 0);
    expect(t.due(100)).toHaveLength(1);
    t.observe([session('a', 'waiting')], 150);
    expect(t.due(1000)).toEqual([]);
    t.observe([session('a', 'waiting', { reason: 'question' })], 1100);
    expect(t.due(1200).map((c) => c.reason)).toEqual(['question']);
  });

  it('a closed pane settles at once as exited, with the task it held; shells are not tracked', () => {
    const t = new SettleTracker(500);
    t.observe([session('a', 'working', { currentTaskId: 7 }), session('sh', 'unknown', { agent: 'shell' })], 0);
    t.due(600);
    const gone = t.observe([], 700);
    expect(gone).toEqual([expect.objectContaining({ to: 'exited', gone: true, taskId: 7, from: 'working' })]);
    expect(t.nextDueMs()).toBeNull();
  });

  it('an agent exiting keeps the task it held when the exit began, though the task is requeued at once', () => {
    const t = new SettleTracker(500);
    t.observe([session('a', 'working', { currentTaskId: 7 })], 0);
    t.due(500);
    t.observe([session('a', 'exited', { currentTaskId: 7 })], 1000);
    t.observe([session('a', 'exited', { currentTaskId: null })], 1010);
    expect(t.due(1500)).toEqual([expect.objectContaining({ to: 'exited', taskId: 7, gone: false })]);
  });

  it('knows a session\'s settled state by name', () => {
    const t = new SettleTracker(100);
    t.observe([session('a', 'idle')], 0);
    expect(t.settledByName('a')).toBeNull();
    t.due(100);
    expect(t.settledByName('a')).toEqual({ state: 'idle', settledNow: true });
    t.observe([session('a', 'waiting')], 200);
    expect(t.settledByName('a')).toEqual({ state: 'idle', settledNow: false });
  });
});
