// `GET /metrics`: the console's state in Prometheus text format (exposition
// format 0.0.4), for monitoring stacks. Reads only cheap sources: the per-status
// counts kept by triggers, the open tasks by type, in-memory sessions, SLA
// levels and latency.
import type { Session } from '../../shared/api.js';
import type { QueryStats } from '../queries/service.js';
import type { Store } from '../store/store.js';
import { LATENCY_BUCKETS_SECONDS, type AssignmentLatency } from './assignment-latency.js';
import { openTaskCountsByStatusAndType } from '../store/one-off-reads.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsSources {
  /** Open tasks by SLA level, counted in SQL (the sla_by_type query); absent when it could not be read. */
  sla?: { ok: number; warning: number; critical: number };
  latency?: AssignmentLatency;
  /** The tasks' counts when they are not the console's own file's (a console on a shared queue: PostgreSQL's). */
  tasks?: { counts: Record<string, number>; open: ReadonlyArray<{ status: string; type: string; n: number }> };
}

type Labels = Record<string, string>;

/** Label values may hold anything a task type or session name holds. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function sample(name: string, labels: Labels, value: number): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  const text = Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  return `${name}${parts.length ? `{${parts.join(',')}}` : ''} ${text}`;
}

class Exposition {
  private readonly lines: string[] = [];
  family(name: string, type: 'gauge' | 'counter' | 'histogram', help: string, samples: string[]): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

export function renderMetrics(
  store: Store,
  sessions: readonly Session[],
  queryStats?: ReadonlyMap<string, QueryStats> | Record<string, QueryStats>,
  sources: MetricsSources = {},
): string {
  const out = new Exposition();

  const counts = sources.tasks?.counts ?? store.tasks.counts();
  out.family('architect_tasks', 'gauge', 'Tasks by status.', Object.entries(counts).map(([status, n]) => sample('architect_tasks', { status }, n)));

  // Open tasks only: closed ones grow without bound and a full GROUP BY would scan them all.
  const byType = sources.tasks?.open ?? openTaskCountsByStatusAndType(store.reader);
  out.family('architect_open_tasks', 'gauge', 'Open tasks by status and type.', byType.map((r) => sample('architect_open_tasks', { status: r.status, type: r.type }, r.n)));

  const agents = new Map<string, number>();
  for (const s of sessions) {
    const key = `${s.agent}\u0000${s.state}`;
    agents.set(key, (agents.get(key) ?? 0) + 1);
  }
  out.family(
    'architect_sessions',
    'gauge',
    'Panes by agent and state.',
    [...agents].map(([key, n]) => {
      const [agent = '', state = ''] = key.split('\u0000');
      return sample('architect_sessions', { agent, state }, n);
    }),
  );

  const levels = sources.sla;
  if (levels) out.family('architect_sla_tasks', 'gauge', 'Open tasks by SLA level.', Object.entries(levels).map(([level, n]) => sample('architect_sla_tasks', { level }, n)));

  const latency = sources.latency;
  const name = 'architect_assignment_latency_seconds';
  const buckets = LATENCY_BUCKETS_SECONDS.map((le, i) => sample(`${name}_bucket`, { le: String(le) }, latency?.buckets[i] ?? 0));
  out.family(name, 'histogram', 'Time from a task being queued to a session claiming it.', [
    ...buckets,
    sample(`${name}_bucket`, { le: '+Inf' }, latency?.count ?? 0),
    sample(`${name}_sum`, {}, latency?.sumSeconds ?? 0),
    sample(`${name}_count`, {}, latency?.count ?? 0),
  ]);

  const stats = queryStats instanceof Map ? [...queryStats] : Object.entries(queryStats ?? {});
  out.family('architect_query_calls_total', 'counter', 'Named query calls.', stats.map(([query, s]) => sample('architect_query_calls_total', { query }, s.calls)));
  out.family('architect_query_cache_hits_total', 'counter', 'Named query calls served from the cache.', stats.map(([query, s]) => sample('architect_query_cache_hits_total', { query }, s.cacheHits)));
  out.family('architect_query_errors_total', 'counter', 'Named query calls that failed.', stats.map(([query, s]) => sample('architect_query_errors_total', { query }, s.errors)));
  out.family('architect_query_avg_ms', 'gauge', 'Average named query time in milliseconds.', stats.map(([query, s]) => sample('architect_query_avg_ms', { query }, s.avgMs)));
  out.family('architect_query_max_ms', 'gauge', 'Slowest named query time in milliseconds.', stats.map(([query, s]) => sample('architect_query_max_ms', { query }, s.maxMs)));
  return out.text();
}
