import { describe, expect, it } from 'vitest';
import type { SessionState } from '../../../src/shared/api.js';
import { RoutingFile, type RoutingStrategy } from '../../../src/main/config/schemas/routing.js';
import { route } from '../../../src/main/routing/route.js';
import type { PendingTask, RoutableSession } from '../../../src/main/routing/types.js';

const ITERATIONS = 500;
/** Larger fleets (up to 30 sessions), where skipping blocked sessions matters. */
const FLEET_RUNS = 2000;
const SEED = 0x5eed;
const NOW = new Date('2025-06-01T12:00:00.000Z');

/** mulberry32: a tiny seeded PRNG, so a failure replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const STATES: SessionState[] = ['idle', 'idle', 'idle', 'working', 'waiting', 'error', 'exited', 'unknown'];
const AGENTS = ['claude', 'codex', 'gemini', 'shell', 'grok'];
const STRATEGIES: RoutingStrategy[] = ['preferred_order', 'round_robin', 'least_loaded'];
const TYPES = ['bug_fix', 'feature', 'infra', 'docs', 'unknown_a'];

function scenario(rand: () => number, maxSessions = 12) {
  const int = (n: number) => Math.floor(rand() * n);
  const pickOne = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => rand() < 0.4);

  const names = Array.from({ length: int(maxSessions) }, (_, i) => `s${i}`);
  // Duplicated names happen when two servers hold a same-named session.
  if (names.length > 0 && rand() < 0.2) names.push(pickOne(names));
  const sessions: RoutableSession[] = names.map((name) => ({
    name,
    agent: pickOne(AGENTS),
    state: pickOne(STATES),
    currentTaskId: rand() < 0.15 ? 1000 + int(100) : null,
  }));
  const pool = [...new Set([...names, 'ghost1', 'ghost2'])];
  const routes: Record<string, unknown> = {};
  for (const type of TYPES.slice(0, 1 + int(TYPES.length - 1))) {
    routes[type] = {
      preferred_sessions: some(pool),
      strategy: pickOne(STRATEGIES),
      urgent: rand() < 0.3,
      priority: int(11),
      ...(rand() < 0.3 ? { supported_providers: some(AGENTS) } : {}),
    };
  }
  const rules = RoutingFile.parse({
    version: '1',
    environment_routing: routes,
    excluded_sessions: some(pool),
    supported_providers: rand() < 0.2 ? [] : some(AGENTS),
    fallback_rules: [
      ...(rand() < 0.7 ? [{ condition: 'no_sessions_available', action: 'queue_task', retry_after_seconds: 1 + int(120) }] : []),
      ...(rand() < 0.7 ? [{ condition: 'task_type_unknown', action: 'route_to_default', default_session: pickOne(pool) }] : []),
    ],
  });
  const tasks: PendingTask[] = Array.from({ length: int(30) }, (_, i) => ({
    id: i + 1,
    type: pickOne(TYPES),
    priority: rand() < 0.5 ? null : int(11),
    createdAt: new Date(NOW.getTime() - int(100_000)).toISOString(),
    notBefore: rand() < 0.1 ? new Date(NOW.getTime() + (int(200) - 100) * 1000).toISOString() : null,
  }));
  const load = new Map(names.map((n) => [n, int(5)] as const));
  const cursor = rand() < 0.5 ? {} : Object.fromEntries(TYPES.map((ty) => [ty, pickOne(pool)]));
  return { sessions, rules, tasks, load, cursor };
}

describe('route: invariants over random scenarios', () => {
  it(`never double-assigns and never feeds excluded, busy or non-agent sessions (${ITERATIONS} seeded runs)`, () => {
    const rand = prng(SEED);
    let assignedTotal = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const { sessions, rules, tasks, load, cursor } = scenario(rand);
      const { decisions } = route({ tasks, sessions, rules, now: NOW, load, cursor });
      const ctx = `iteration ${i}`;

      expect(decisions.map((d) => d.taskId).sort((a, b) => a - b), ctx).toEqual(tasks.map((t) => t.id));
      const assigned = decisions.flatMap((d) => (d.kind === 'assigned' ? [d] : []));
      assignedTotal += assigned.length;
      const bySession = new Set(assigned.map((d) => d.session));
      expect(bySession.size, ctx).toBe(assigned.length);

      for (const d of assigned) {
        const session = sessions.find((x) => x.name === d.session);
        const task = tasks.find((x) => x.id === d.taskId);
        expect(rules.excluded_sessions, ctx).not.toContain(d.session);
        expect(session?.state, ctx).toBe('idle');
        expect(session?.currentTaskId ?? null, ctx).toBeNull();
        expect(['shell', 'other'], ctx).not.toContain(session?.agent);
        expect(task && Date.parse(task.notBefore ?? '1970-01-01T00:00:00Z') <= NOW.getTime(), ctx).toBe(true);
      }
      // A higher-ranked task never waits while a lower-ranked one of the same type got a session.
      for (const type of new Set(tasks.map((x) => x.type))) {
        const ofType = decisions.filter((d) => tasks.find((x) => x.id === d.taskId)?.type === type);
        const firstQueued = ofType.findIndex((d) => d.kind === 'queued' && d.cause === 'no_session_available');
        if (firstQueued >= 0) {
          expect(ofType.slice(firstQueued).some((d) => d.kind === 'assigned'), ctx).toBe(false);
        }
      }
    }
    // Guard against a generator that never lets anything through.
    expect(assignedTotal).toBeGreaterThan(ITERATIONS / 4);
  });

  it(`gives each task the session the rules name, checked against a plain re-reading of the rules (${FLEET_RUNS} seeded runs)`, () => {
    // The router skips sessions it already knows are blocked; this replays its
    // decisions in order and finds each task's session the slow, obvious way.
    const rand = prng(SEED ^ 0xbeef);
    let checked = 0;
    for (let i = 0; i < FLEET_RUNS; i++) {
      const { sessions, rules, tasks, load, cursor } = scenario(rand, 30);
      const { decisions } = route({ tasks, sessions, rules, now: NOW, load, cursor });
      const first = new Map<string, RoutableSession>();
      for (const s of sessions) if (!first.has(s.name)) first.set(s.name, s);
      const others = [...first.keys()].sort();
      const taken = new Set<string>();
      const free = (name: string, providers: readonly string[]): boolean => {
        const s = first.get(name);
        if (!s || rules.excluded_sessions.includes(name) || taken.has(name)) return false;
        if (['shell', 'other', 'unknown', ''].includes(s.agent)) return false;
        if (providers.length > 0 && !providers.includes(s.agent)) return false;
        return s.state === 'idle' && (s.currentTaskId ?? null) === null;
      };
      for (const d of decisions) {
        const task = tasks.find((x) => x.id === d.taskId)!;
        const rule = Object.hasOwn(rules.environment_routing, task.type) ? rules.environment_routing[task.type] : undefined;
        const waiting = !!task.notBefore && Date.parse(task.notBefore) > NOW.getTime();
        if (rule && !waiting) {
          const providers = rule.supported_providers ?? rules.supported_providers;
          const order = [...new Set(rule.preferred_sessions), ...others.filter((n) => !rule.preferred_sessions.includes(n))];
          const eligible = order.filter((n) => free(n, providers));
          const ctx = `iteration ${i}, task ${task.id} (${rule.strategy}): ${d.reason}`;
          if (eligible.length === 0) expect(d.kind, ctx).toBe('queued');
          else if (rule.strategy === 'preferred_order') expect(d.kind === 'assigned' ? d.session : null, ctx).toBe(eligible[0]);
          else expect(eligible, ctx).toContain(d.kind === 'assigned' ? d.session : null);
          checked++;
        }
        if (d.kind === 'assigned') taken.add(d.session);
      }
    }
    expect(checked).toBeGreaterThan(FLEET_RUNS);
  });
});
