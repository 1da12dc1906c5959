import { describe, expect, it } from 'vitest';
import { RoutingFile, type RouteRule, type RoutingStrategy } from '../../../src/main/config/schemas/routing.js';
import { route } from '../../../src/main/routing/route.js';
import type { PendingTask, RoundRobinCursor, RoutableSession, RoutingDecision } from '../../../src/main/routing/types.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const at = (minutesAgo: number): string => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();

function rules(routes: Record<string, Partial<RouteRule>>, extra: Partial<Record<string, unknown>> = {}): RoutingFile {
  return RoutingFile.parse({
    version: '1',
    environment_routing: routes,
    excluded_sessions: ['architect'],
    supported_providers: ['claude', 'codex'],
    fallback_rules: [
      { condition: 'no_sessions_available', action: 'queue_task', retry_after_seconds: 60 },
      { condition: 'task_type_unknown', action: 'route_to_default', default_session: 'dev_worker1' },
    ],
    ...extra,
  });
}

const s = (name: string, agent = 'claude', state: RoutableSession['state'] = 'idle', currentTaskId?: number): RoutableSession => ({
  name,
  agent,
  state,
  currentTaskId: currentTaskId ?? null,
});
const t = (id: number, type: string, priority: number | null = null, minutesAgo = 1, notBefore?: string): PendingTask => ({
  id,
  type,
  priority,
  createdAt: at(minutesAgo),
  notBefore: notBefore ?? null,
});

const BUG = { bug_fix: { preferred_sessions: ['dev_worker2', 'codex'], urgent: true, priority: 9 } };

function summary(ds: RoutingDecision[]): string[] {
  return ds.map((d) => (d.kind === 'assigned' ? `#${d.taskId}→${d.session}` : `#${d.taskId} queued`));
}

describe('route: one task', () => {
  const cases: Array<{ name: string; routes: Record<string, Partial<RouteRule>>; sessions: RoutableSession[]; task: PendingTask; want: string; reason: string; extra?: Record<string, unknown> }> = [
    {
      name: 'preferred #1 idle',
      routes: BUG,
      sessions: [s('codex', 'codex'), s('dev_worker2')],
      task: t(1, 'bug_fix'),
      want: '#1→dev_worker2',
      reason: 'assigned to dev_worker2 (preferred #1 for bug_fix)',
    },
    {
      name: 'preferred #1 working → #2',
      routes: BUG,
      sessions: [s('codex', 'codex'), s('dev_worker2', 'claude', 'working')],
      task: t(1, 'bug_fix'),
      want: '#1→codex',
      reason: 'assigned to codex (preferred #2 for bug_fix; dev_worker2 is working)',
    },
    {
      name: 'no preferred free → any other eligible idle session',
      routes: BUG,
      sessions: [s('codex', 'codex', 'waiting'), s('dev_worker2', 'claude', 'working'), s('dev_worker9')],
      task: t(1, 'bug_fix'),
      want: '#1→dev_worker9',
      reason: 'assigned to dev_worker9 (idle claude session, not preferred for bug_fix; dev_worker2 is working; codex is waiting)',
    },
    {
      name: 'excluded preferred session is skipped',
      routes: { bug_fix: { preferred_sessions: ['architect', 'dev_worker2'] } },
      sessions: [s('architect'), s('dev_worker2')],
      task: t(1, 'bug_fix'),
      want: '#1→dev_worker2',
      reason: 'assigned to dev_worker2 (preferred #2 for bug_fix; architect is excluded)',
    },
    {
      name: 'nothing idle → queued with the trail',
      routes: { bug_fix: { preferred_sessions: ['dev_worker2', 'codex'] } },
      sessions: [s('dev_worker2', 'claude', 'working')],
      task: t(1, 'bug_fix'),
      want: '#1 queued',
      reason: 'queued: no idle session among [dev_worker2, codex]; dev_worker2 is working; codex is not running; retry in 60 s',
      extra: { excluded_sessions: [] },
    },
    {
      name: 'preferred excluded and the other working → the example trail',
      routes: { bug_fix: { preferred_sessions: ['dev_worker2', 'codex'] } },
      sessions: [s('dev_worker2', 'claude', 'working'), s('codex', 'codex')],
      task: t(1, 'bug_fix'),
      want: '#1 queued',
      reason: 'queued: no idle session among [dev_worker2, codex]; dev_worker2 is working; codex is excluded; retry in 60 s',
      extra: { excluded_sessions: ['codex'] },
    },
    {
      name: 'provider not in top-level list',
      routes: { bug_fix: { preferred_sessions: ['g1'] } },
      sessions: [s('g1', 'gemini'), s('c1', 'claude')],
      task: t(1, 'bug_fix'),
      want: '#1→c1',
      reason: 'assigned to c1 (idle claude session, not preferred for bug_fix; g1 runs gemini, not a supported provider)',
    },
    {
      name: "rule's own supported_providers overrides the top-level list",
      routes: { review: { supported_providers: ['gemini'] } },
      sessions: [s('c1', 'claude'), s('g1', 'gemini')],
      task: t(1, 'review'),
      want: '#1→g1',
      reason: 'assigned to g1 (idle gemini session, not preferred for review)',
    },
    {
      name: 'a session still holding a task is not idle for routing',
      routes: BUG,
      sessions: [s('dev_worker2', 'claude', 'idle', 42), s('codex', 'codex')],
      task: t(1, 'bug_fix'),
      want: '#1→codex',
      reason: 'assigned to codex (preferred #2 for bug_fix; dev_worker2 still has task #42)',
    },
    {
      name: 'empty provider list allows any agent but never a shell',
      routes: { bug_fix: {} },
      sessions: [s('sh', 'shell'), s('x', 'grok')],
      task: t(1, 'bug_fix'),
      want: '#1→x',
      reason: 'assigned to x (idle grok session, not preferred for bug_fix)',
      extra: { supported_providers: [] },
    },
    {
      name: 'unknown type → default session',
      routes: BUG,
      sessions: [s('dev_worker2'), s('dev_worker1')],
      task: t(1, 'docs'),
      want: '#1→dev_worker1',
      reason: 'assigned to dev_worker1 (default session for unknown type "docs")',
    },
    {
      name: 'unknown type, default session busy → queued',
      routes: BUG,
      sessions: [s('dev_worker2'), s('dev_worker1', 'claude', 'working')],
      task: t(1, 'docs'),
      want: '#1 queued',
      reason: 'queued: unknown type "docs" goes to default session dev_worker1; dev_worker1 is working; retry in 60 s',
    },
    {
      name: 'unknown type without the fallback → queued, no retry timer',
      routes: BUG,
      sessions: [s('dev_worker1')],
      task: t(1, 'docs'),
      want: '#1 queued',
      reason: 'queued: no rule for type "docs" and no task_type_unknown fallback',
      extra: { fallback_rules: [] },
    },
    {
      name: 'a type named like an Object property is still unknown',
      routes: BUG,
      sessions: [s('dev_worker1')],
      task: t(1, 'constructor'),
      want: '#1→dev_worker1',
      reason: 'assigned to dev_worker1 (default session for unknown type "constructor")',
    },
    {
      name: 'not_before in the future → skipped with the wait',
      routes: BUG,
      sessions: [s('dev_worker2')],
      task: t(1, 'bug_fix', null, 5, new Date(NOW.getTime() + 90_000).toISOString()),
      want: '#1 queued',
      reason: `queued: not before ${new Date(NOW.getTime() + 90_000).toISOString()} (retry back-off); retry in 90 s`,
    },
    {
      name: 'not_before in the past → routed',
      routes: BUG,
      sessions: [s('dev_worker2')],
      task: t(1, 'bug_fix', null, 5, at(1)),
      want: '#1→dev_worker2',
      reason: 'assigned to dev_worker2 (preferred #1 for bug_fix)',
    },
  ];
  it.each(cases)('$name', ({ routes, sessions, task, want, reason, extra }) => {
    const { decisions } = route({ tasks: [task], sessions, rules: rules(routes, extra), now: NOW });
    expect(summary(decisions)).toEqual([want]);
    expect(decisions[0]?.reason).toBe(reason);
  });

  it('no no_sessions_available fallback → retryAfterSeconds is null (wait for an event)', () => {
    const { decisions } = route({ tasks: [t(1, 'bug_fix')], sessions: [], rules: rules(BUG, { fallback_rules: [] }), now: NOW });
    expect(decisions[0]).toMatchObject({ kind: 'queued', cause: 'no_session_available', retryAfterSeconds: null });
  });
});

describe('route: ordering and one task per session per round', () => {
  const routes = {
    bug_fix: { preferred_sessions: ['a'], urgent: true, priority: 2 },
    feature: { preferred_sessions: ['a'], priority: 5 },
    chore: { preferred_sessions: ['a'], priority: 1 },
  };
  const cases: Array<{ name: string; tasks: PendingTask[]; sessions: string[]; want: string[] }> = [
    {
      name: 'urgent beats a higher priority',
      tasks: [t(1, 'feature', 10), t(2, 'bug_fix')],
      sessions: ['a'],
      want: ['#2→a', '#1 queued'],
    },
    {
      name: "task's own priority beats the rule's",
      tasks: [t(1, 'feature'), t(2, 'chore', 8)],
      sessions: ['a'],
      want: ['#2→a', '#1 queued'],
    },
    {
      name: 'equal priority → oldest first',
      tasks: [t(1, 'feature', null, 1), t(2, 'feature', null, 10)],
      sessions: ['a', 'b'],
      want: ['#2→a', '#1→b'],
    },
    {
      name: 'equal priority and age → lowest id first',
      tasks: [t(7, 'feature', null, 3), t(3, 'feature', null, 3)],
      sessions: ['a'],
      want: ['#3→a', '#7 queued'],
    },
    {
      name: 'a session gets at most one task per round',
      tasks: [t(1, 'feature'), t(2, 'feature'), t(3, 'feature')],
      sessions: ['a', 'b'],
      want: ['#1→a', '#2→b', '#3 queued'],
    },
  ];
  it.each(cases)('$name', ({ tasks, sessions, want }) => {
    const { decisions } = route({ tasks, sessions: sessions.map((n) => s(n)), rules: rules(routes), now: NOW });
    expect(summary(decisions)).toEqual(want);
  });

  it('explains a session taken earlier in the round', () => {
    const { decisions } = route({ tasks: [t(1, 'feature'), t(2, 'feature')], sessions: [s('a')], rules: rules(routes), now: NOW });
    expect(decisions[1]?.reason).toBe('queued: no idle session among [a]; a just got task #1; retry in 60 s');
  });

  it('fills a large fleet in order, across types with their own preferences, and lists every session once none is left', () => {
    // s00…s11 idle, s03 working; chores prefer s07, features prefer s00.
    const names = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    const sessions = names.map((n) => s(n, 'claude', n === 's03' ? 'working' : 'idle'));
    const r = rules({ feature: { preferred_sessions: ['s00'], priority: 5 }, chore: { preferred_sessions: ['s07'], priority: 5 } });
    const tasks = Array.from({ length: 13 }, (_, i) => t(i + 1, i % 2 ? 'chore' : 'feature', null, 100 - i));
    const { decisions } = route({ tasks, sessions, rules: r, now: NOW });
    expect(summary(decisions)).toEqual([
      '#1→s00', '#2→s07', '#3→s01', '#4→s02', '#5→s04', '#6→s05', '#7→s06', '#8→s08', '#9→s09', '#10→s10', '#11→s11', '#12 queued', '#13 queued',
    ]);
    expect(decisions[3]?.reason).toBe('assigned to s02 (idle claude session, not preferred for chore; s07 just got task #2)');
    expect(decisions[11]?.reason).toBe(
      'queued: no idle session among [s07, s00, s01, s02, s03, s04, s05, s06, … 4 more]; s07 just got task #2; s00 just got task #1; ' +
        's01 just got task #3; s02 just got task #4; s03 is working; s04 just got task #5; s05 just got task #6; s06 just got task #7; retry in 60 s',
    );
  });
});

describe('route: strategies', () => {
  const sessions = [s('w1'), s('w2'), s('w3')];
  it.each<{ strategy: RoutingStrategy; cursor: RoundRobinCursor; load: Map<string, number> | undefined; want: string[] }>([
    { strategy: 'preferred_order', cursor: {}, load: undefined, want: ['#1→w2', '#2→w1'] },
    { strategy: 'round_robin', cursor: {}, load: undefined, want: ['#1→w2', '#2→w1'] },
    { strategy: 'round_robin', cursor: { job: 'w2' }, load: undefined, want: ['#1→w1', '#2→w3'] },
    { strategy: 'round_robin', cursor: { job: 'w3' }, load: undefined, want: ['#1→w2', '#2→w1'] },
    { strategy: 'round_robin', cursor: { job: 'gone' }, load: undefined, want: ['#1→w2', '#2→w1'] },
    { strategy: 'least_loaded', cursor: {}, load: new Map([['w2', 3], ['w1', 1]]), want: ['#1→w3', '#2→w1'] },
    { strategy: 'least_loaded', cursor: {}, load: new Map([['w3', 2]]), want: ['#1→w2', '#2→w1'] },
  ])('$strategy from cursor $cursor with load $load', ({ strategy, cursor, load, want }) => {
    const r = rules({ job: { preferred_sessions: ['w2'], strategy } });
    const out = route({ tasks: [t(1, 'job', null, 2), t(2, 'job', null, 1)], sessions, rules: r, now: NOW, cursor, load });
    expect(summary(out.decisions)).toEqual(want);
  });

  it('round_robin returns the cursor for the next round', () => {
    const r = rules({ job: { strategy: 'round_robin' } });
    let cursor = {};
    const got: string[] = [];
    for (let round = 0; round < 4; round++) {
      const out = route({ tasks: [t(round, 'job')], sessions, rules: r, now: NOW, cursor });
      cursor = out.cursor;
      got.push(...summary(out.decisions));
    }
    expect(got).toEqual(['#0→w1', '#1→w2', '#2→w3', '#3→w1']);
  });

  it('least_loaded says how loaded the winner is', () => {
    const r = rules({ job: { strategy: 'least_loaded' } });
    const out = route({ tasks: [t(1, 'job')], sessions, rules: r, now: NOW, load: new Map([['w1', 4], ['w2', 1], ['w3', 2]]) });
    expect(out.decisions[0]?.reason).toBe('assigned to w2 (least loaded for job: 1 recent task)');
  });
});

describe('route: a task kept from the session it timed out on (avoid)', () => {
  const sessions = [s('w1'), s('w2'), s('w3')];
  it.each<RoutingStrategy>(['preferred_order', 'round_robin', 'least_loaded'])('%s gives it to another free candidate, and the avoided session stays free for the next task', (strategy) => {
    const r = rules({ job: { preferred_sessions: ['w1', 'w2'], strategy } });
    const out = route({ tasks: [{ ...t(1, 'job', null, 2), avoid: 'w1' }, t(2, 'job', null, 1)], sessions: sessions.slice(0, 2), rules: r, now: NOW });
    expect(summary(out.decisions)).toEqual(['#1→w2', '#2→w1']);
    // The preferred session passed over is named, with why.
    expect(out.decisions[0]?.reason).toMatch(/^assigned to w2 \(.*; not given back to w1, which timed out on it\)$/);
    expect(out.decisions[1]?.reason).not.toContain('timed out');
  });

  it('waits, saying why, when the avoided session is the only free one; a busy one is named as usual', () => {
    const r = rules({ job: { preferred_sessions: ['w1', 'w2'] } });
    const alone = route({ tasks: [{ ...t(1, 'job'), avoid: 'w1' }], sessions: [s('w1'), s('w2', 'claude', 'working')], rules: r, now: NOW });
    expect(alone.decisions[0]).toMatchObject({ kind: 'queued', cause: 'avoid', retryAfterSeconds: null, reason: 'queued: not given back to w1, which timed out on it' });
    const busy = route({ tasks: [{ ...t(1, 'job'), avoid: 'w1' }], sessions: [s('w1', 'claude', 'working'), s('w2', 'claude', 'working')], rules: r, now: NOW });
    expect(busy.decisions[0]).toMatchObject({ kind: 'queued', cause: 'no_session_available' });
    expect(busy.decisions[0]?.reason).toMatch(/^queued: no idle session among \[w1, w2/);
  });
});

describe('route: a task sent to a session by name', () => {
  const routes = { feature: { preferred_sessions: ['a'], priority: 5 } };
  const pinned = (id: number, to: string, minutesAgo = 1): PendingTask => ({ ...t(id, 'feature', null, minutesAgo), routeTo: to });

  it('goes to that session even when the preferred one is idle, and only there', () => {
    const { decisions } = route({ tasks: [pinned(1, 'b', 5), t(2, 'feature', null, 1)], sessions: [s('a'), s('b')], rules: rules(routes), now: NOW });
    expect(summary(decisions)).toEqual(['#1→b', '#2→a']);
    expect(decisions[0]?.reason).toBe('assigned to b (sent there by name)');
  });

  it('waits for that session while it is busy, without taking another', () => {
    const { decisions } = route({ tasks: [pinned(1, 'b', 5), t(2, 'feature', null, 1)], sessions: [s('a'), s('b', 'claude', 'working')], rules: rules(routes), now: NOW });
    expect(summary(decisions)).toEqual(['#1 queued', '#2→a']);
    expect(decisions[0]?.reason).toBe('queued: sent to b by name; b is working; retry in 60 s');
  });

  it('any agent will do, but never an excluded session or a shell', () => {
    const go = (sessions: RoutableSession[], to: string) => route({ tasks: [pinned(1, to)], sessions, rules: rules(routes, { supported_providers: ['claude'] }), now: NOW }).decisions[0]?.reason;
    expect(go([s('g', 'gemini')], 'g')).toBe('assigned to g (sent there by name)');
    expect(go([s('architect')], 'architect')).toBe('queued: sent to architect by name; architect is excluded; retry in 60 s');
    expect(go([s('sh', 'shell')], 'sh')).toBe('queued: sent to sh by name; sh runs shell, not a supported provider; retry in 60 s');
    expect(go([], 'gone')).toBe('queued: sent to gone by name; gone is not running; retry in 60 s');
  });
});
