import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { LimitResumer, RESUME_GRACE_MS, type ResumeDecision } from '../../../src/main/sessions/limit-resumer.js';

const RESET = '2026-12-06T19:20:00.000Z';
const session = (over: Partial<Session> = {}): Session => ({
  id: 'default:%3', name: 'worker1', server: 'default', session: 'worker1', windowIndex: 0, paneIndex: 0, paneId: '%3', title: '', cwd: '/', pid: 1,
  command: 'claude', argv: [], argvLength: 0, agent: 'claude', state: 'error', reason: 'limit', width: 80, height: 24, stateSince: null, lastOutputAt: null,
  excluded: false, currentTaskId: null, lastLine: null,
  detail: { kind: 'limit', message: "You've hit your session limit · resets 7:20pm (UTC)", resetAt: RESET, dialog: null },
  ...over,
});

describe('LimitResumer (agents.yaml resume_after_limit)', () => {
  let sessions: Session[];
  let sent: Array<[string, string]>;
  let decisions: ResumeDecision[];
  let optedIn: Set<string>;
  const make = () =>
    new LimitResumer({
      resumeText: (agent) => (optedIn.has(agent) ? 'continue' : null),
      current: () => sessions,
      send: (s, text) => {
        sent.push([s.name, text]);
        return Promise.resolve({ ok: true, reason: 'the agent is working' });
      },
      record: (d) => decisions.push(d),
      clock: () => new Date(), // fake timers move Date too
    });

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-06T18:00:00Z'));
    sessions = [session()];
    sent = [];
    decisions = [];
    optedIn = new Set(['claude']);
  });
  afterEach(() => vi.useRealTimers());

  const advanceTo = async (iso: string, extraMs = 0) => {
    const target = Date.parse(iso) + extraMs;
    await vi.advanceTimersByTimeAsync(target - Date.now());
  };

  it('sends the text once, after the reset, and records it', async () => {
    const r = make();
    r.onSessions(sessions);
    await advanceTo(RESET, RESUME_GRACE_MS - 1000);
    expect(sent).toEqual([]); // not before the reset (and its grace)
    await advanceTo(RESET, RESUME_GRACE_MS + 10);
    expect(sent).toEqual([['worker1', 'continue']]);
    expect(decisions).toMatchObject([{ session: 'worker1', decision: 'resumed', reason: `usage limit reset at ${RESET}: sent "continue"` }]);
    // The same limit still on screen (the agent has not redrawn yet) is not resumed twice.
    r.onSessions(sessions);
    await advanceTo(RESET, RESUME_GRACE_MS + 60_000);
    expect(sent).toHaveLength(1);
    r.stop();
  });

  it('an agent that has not opted in is left alone', async () => {
    optedIn.clear();
    const r = make();
    r.onSessions(sessions);
    await advanceTo(RESET, RESUME_GRACE_MS + 1000);
    expect(sent).toEqual([]);
    r.stop();
  });

  it('a session that left its limit before the reset (resumed by hand) is not typed into', async () => {
    const r = make();
    r.onSessions(sessions);
    sessions = [session({ state: 'working', reason: null, detail: null })];
    r.onSessions(sessions);
    await advanceTo(RESET, RESUME_GRACE_MS + 1000);
    expect(sent).toEqual([]);
    expect(decisions).toEqual([]);
    r.stop();
  });

  it('a limit without a reset time is never resumed (nobody knows when)', async () => {
    sessions = [session({ detail: { kind: 'limit', message: 'Rate limit exceeded', resetAt: null, dialog: null } })];
    const r = make();
    r.onSessions(sessions);
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(sent).toEqual([]);
    r.stop();
  });
});
