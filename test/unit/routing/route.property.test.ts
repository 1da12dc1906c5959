import { describe, expect, it } from 'vitest';
import type { SessionState } from '../../../src/shared/api.js';
import { RoutingFile, type RoutingStrategy } from '../../../src/main/config/schemas/routing.js';
import { route } from '../../../src/main/routing/route.js';
import type { PendingTask, RoutableSession } from '../../../src/main/routing/types.js';

const ITERATIONS = 500;
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

function scenario(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const pickOne = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => rand() < 0.4);

  const names = Array.from({ length: int(12) }, (_, i) => `s${i}`);
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
});
