import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssignmentLatency } from '../../../src/main/metrics/assignment-latency.js';
import { renderMetrics } from '../../../src/main/metrics/prometheus.js';
import { routeRulesHttp, routeTaskHttp } from '../../../src/main/routing/http.js';
import type { QueryStats } from '../../../src/main/queries/service.js';
import { RULES, session, tempStore } from '../assigner/fixture.js';

const snapshot = { routing: RULES, version: 'abc123' };

describe('renderMetrics', () => {
  let t: ReturnType<typeof tempStore>;
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(() => t.cleanup());

  it('tasks by status and type, agents by state, SLA levels, latency histogram and query timings', () => {
    t.store.tasks.add({ type: 'bug_fix', title: 'a' });
    t.store.tasks.add({ type: 'bug_fix', title: 'b' });
    t.store.tasks.add({ type: 'weird "type"\\x', title: 'c' });
    t.store.tasks.cancel(3);
    const latency = new AssignmentLatency();
    latency.observe(0.3);
    latency.observe(20);
    const stats: Record<string, QueryStats> = { stats_dashboard: { calls: 4, cacheHits: 1, errors: 0, totalMs: 2, avgMs: 0.5, maxMs: 1.2, lastMs: 1, timeouts: 0, lastError: null } };
    const text = renderMetrics(t.store, [session('w1', 'idle'), session('w2', 'idle'), session('w3', 'working', 'codex')], stats, {
      latency,
      sla: { ok: 0, warning: 1, critical: 0 },
    });
    const lines = text.split('\n');
    expect(lines).toContain('architect_tasks{status="pending"} 2');
    expect(lines).toContain('architect_tasks{status="cancelled"} 1');
    expect(lines).toContain('architect_open_tasks{status="pending",type="bug_fix"} 2');
    expect(text).not.toContain('weird'); // closed tasks are not listed by type
    expect(lines).toContain('architect_sessions{agent="claude",state="idle"} 2');
    expect(lines).toContain('architect_sessions{agent="codex",state="working"} 1');
    expect(lines).toContain('architect_sla_tasks{level="warning"} 1');
    expect(lines).toContain('architect_assignment_latency_seconds_bucket{le="0.5"} 1');
    expect(lines).toContain('architect_assignment_latency_seconds_bucket{le="60"} 2');
    expect(lines).toContain('architect_assignment_latency_seconds_bucket{le="+Inf"} 2');
    expect(lines).toContain('architect_assignment_latency_seconds_count 2');
    expect(lines).toContain('architect_query_calls_total{query="stats_dashboard"} 4');
    expect(lines).toContain('# TYPE architect_assignment_latency_seconds histogram');
    // Every sample line is `name{labels} number`.
    for (const line of lines.filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{.*\})? (-?[\d.e+-]+|\+Inf|NaN)$/);
  });

  it('escapes label values', () => {
    t.store.tasks.add({ type: 'weird "type"\\x', title: 'c' });
    expect(renderMetrics(t.store, [])).toContain('type="weird \\"type\\"\\\\x"} 1');
  });
});

describe('routing over HTTP', () => {
  const sessions = [session('dev_worker1'), session('dev_worker2', 'working'), session('codex', 'idle', 'codex')];

  it('POST /api/route/task answers the decision without applying it', () => {
    expect(routeTaskHttp(snapshot, sessions, { task_type: 'bug_fix', priority: 8 })).toEqual({
      status: 200,
      body: expect.objectContaining({ decision: 'assign', session: 'codex', priority: 8, urgent: true, rule: 'bug_fix', config_version: 'abc123' }),
    });
    const queued = routeTaskHttp(snapshot, [], { task_type: 'bug_fix' });
    expect(queued.body).toMatchObject({ decision: 'queued', session: null, cause: 'no_session_available', retry_after_seconds: 60 });
  });

  it.each([
    [null, 'body'],
    [{}, 'task_type'],
    [{ task_type: '' }, 'task_type'],
    [{ task_type: 'bug_fix', priority: 11 }, 'priority'],
    [{ task_type: 'bug_fix', extra: 1 }, 'extra'],
  ])('400 on a bad body %j', (body, mentions) => {
    const reply = routeTaskHttp(snapshot, sessions, body);
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain(mentions);
  });

  it('GET /api/route/rules returns the rules in force; 503 before any config', () => {
    expect(routeRulesHttp(snapshot)).toMatchObject({ status: 200, body: { config_version: 'abc123', excluded_sessions: ['architect'] } });
    expect(routeRulesHttp(null).status).toBe(503);
    expect(routeTaskHttp(null, sessions, { task_type: 'x' }).status).toBe(503);
  });
});
