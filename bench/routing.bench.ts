// route_decision_p50_us / _p99_us: one pending task routed among 50 sessions
// (the facts rebuilt each time, as when a single session turns idle).
// route_10k_tasks_ms: pure decisions for 10,000 queued tasks in one round.
// route_10k_tasks_naive_ms: the same queue routed one task per call, each call
// re-reading every session and rule — the seed's per-task assigner loop.
import { performance } from 'node:perf_hooks';
import { RoutingFile } from '../src/main/config/schemas/routing.js';
import { route } from '../src/main/routing/route.js';
import type { PendingTask, RoutableSession } from '../src/main/routing/types.js';

const SESSIONS = 50;
const QUEUE = 10_000;
const DECISION_SAMPLES = 5_000;
/** One session in this many is idle: a busy fleet, where reasons are longest. */
const IDLE_EVERY = 3;
const NOW = new Date('2025-06-01T12:00:00.000Z');
const TYPES = ['bug_fix', 'feature_development', 'ui_improvement', 'infrastructure', 'performance_optimization', 'docs'];
const AGENTS = ['claude', 'codex', 'gemini'];

const RULES = RoutingFile.parse({
  version: '1.0',
  environment_routing: {
    bug_fix: { preferred_sessions: ['w1', 'w2'], urgent: true, priority: 9 },
    feature_development: { preferred_sessions: ['w3', 'w4'], priority: 5 },
    ui_improvement: { preferred_sessions: ['w5', 'w6'], strategy: 'round_robin' },
    infrastructure: { preferred_sessions: ['w0'], priority: 3, strategy: 'least_loaded' },
    performance_optimization: { preferred_sessions: ['w7', 'w1'], priority: 7 },
  },
  excluded_sessions: ['w0', 'w49'],
  supported_providers: ['claude', 'codex', 'gemini'],
  fallback_rules: [
    { condition: 'no_sessions_available', action: 'queue_task', retry_after_seconds: 60 },
    { condition: 'task_type_unknown', action: 'route_to_default', default_session: 'w8' },
  ],
});

function sessions(): RoutableSession[] {
  return Array.from({ length: SESSIONS }, (_, i) => ({
    name: `w${i}`,
    agent: AGENTS[i % AGENTS.length] ?? 'claude',
    state: i % IDLE_EVERY === 0 ? 'idle' : 'working',
    currentTaskId: null,
  }));
}

function tasks(n: number): PendingTask[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    type: TYPES[i % TYPES.length] ?? 'docs',
    priority: i % 4 === 0 ? null : i % 11,
    createdAt: new Date(NOW.getTime() - i * 1000).toISOString(),
  }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export async function run(opts: { quick?: boolean }): Promise<Record<string, number>> {
  const fleet = sessions();
  const load = new Map(fleet.map((s, i) => [s.name, i % 5] as const));
  const queue = tasks(opts.quick ? QUEUE / 10 : QUEUE);
  const samples = opts.quick ? DECISION_SAMPLES / 10 : DECISION_SAMPLES;

  const one = tasks(TYPES.length);
  const perDecision: number[] = [];
  for (let i = 0; i < samples; i++) {
    const task = one[i % one.length] as PendingTask;
    const t = performance.now();
    route({ tasks: [task], sessions: fleet, rules: RULES, now: NOW, load });
    perDecision.push((performance.now() - t) * 1000);
  }
  perDecision.sort((a, b) => a - b);

  const t0 = performance.now();
  const batch = route({ tasks: queue, sessions: fleet, rules: RULES, now: NOW, load });
  const batchMs = performance.now() - t0;

  // Naive: one call per task, removing the chosen session by hand between calls.
  const t1 = performance.now();
  let remaining = fleet;
  let cursor = {};
  let assignedNaive = 0;
  for (const task of queue) {
    const out = route({ tasks: [task], sessions: remaining, rules: RULES, now: NOW, load, cursor });
    cursor = out.cursor;
    const d = out.decisions[0];
    if (d?.kind === 'assigned') {
      assignedNaive++;
      remaining = remaining.map((s) => (s.name === d.session ? { ...s, currentTaskId: task.id } : s));
    }
  }
  const naiveMs = performance.now() - t1;

  const assigned = batch.decisions.filter((d) => d.kind === 'assigned').length;
  if (assigned !== assignedNaive) throw new Error(`batch assigned ${assigned}, per-task loop ${assignedNaive}: they must agree`);
  return {
    route_decision_p50_us: percentile(perDecision, 0.5),
    route_decision_p99_us: percentile(perDecision, 0.99),
    route_10k_tasks_ms: opts.quick ? batchMs * 10 : batchMs,
    route_10k_tasks_naive_ms: opts.quick ? naiveMs * 10 : naiveMs,
  };
}
