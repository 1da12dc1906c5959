import { ErrorNote } from '../components/EmptyState';
import { formatCount, formatMinutes } from '../data/format';
import { AGGREGATE_EVENT_DELAY_MS, useRefreshing } from '../data/live';
import { SLA_COLORS, useStatusColor } from '../data/uiConfig';
import { Columns, StackedBars, type BarRow } from './StackedBars';
import { OVERVIEW_READS } from './reads';

const STAT_LABELS: Record<string, string> = {
  pending_tasks: 'Queued',
  active_tasks: 'In progress',
  completed_today: 'Completed (24 h)',
  idle_sessions: 'Idle agents',
  working_sessions: 'Working agents',
  open_errors: 'Open errors',
};

/** The `stats_dashboard` named query, one tile per column it returns. */
export function StatsStrip({ refreshSeconds }: { refreshSeconds: number }) {
  const { load, events, key } = OVERVIEW_READS.stats;
  const stats = useRefreshing(load, { refreshSeconds, events, early: key });
  const row = stats.value?.results[0] ?? {};
  return (
    <div className="stats" data-testid="stats">
      <ErrorNote error={stats.error} />
      {Object.entries(row).map(([key, value]) => (
        <div className="stat" key={key} data-testid={`stat-${key}`}>
          <span className="stat-value">{typeof value === 'number' ? formatCount(value) : String(value ?? '—')}</span>
          <span className="stat-label muted small">{STAT_LABELS[key] ?? key.replace(/_/g, ' ')}</span>
        </div>
      ))}
    </div>
  );
}

/** `task_performance_by_type`: completed and failed per type, with the average duration. */
export function PerformancePanel({ refreshSeconds }: { refreshSeconds: number }) {
  const { load, events, key } = OVERVIEW_READS.performance;
  const perf = useRefreshing(load, { refreshSeconds, events, early: key });
  const color = useStatusColor();
  const legend = [
    { label: 'completed', value: 0, color: color('completed') ?? '#28a745' },
    { label: 'failed', value: 0, color: color('failed') ?? '#dc3545' },
    { label: 'other', value: 0, color: '#9ca3af' },
  ];
  const rows: BarRow[] = (perf.value?.results ?? []).map((r) => {
    const total = Number(r.total ?? 0);
    const completed = Number(r.completed ?? 0);
    const failed = Number(r.failed ?? 0);
    return {
      label: String(r.type),
      segments: [
        { ...legend[0]!, value: completed },
        { ...legend[1]!, value: failed },
        { ...legend[2]!, value: Math.max(0, total - completed - failed) },
      ],
      note: `${formatMinutes(r.avg_duration_minutes as number | null)} avg`,
    };
  });
  return (
    <div>
      <h3 className="sub">Performance by type, last 7 days</h3>
      <ErrorNote error={perf.error} />
      {rows.length === 0 && perf.value && <p className="muted small">No tasks in the last 7 days.</p>}
      <StackedBars rows={rows} legend={legend} testId="chart-performance" />
    </div>
  );
}

/** SLA level of the open tasks, per type: `sla_by_type`, counted in SQL by a reader process. */
export function SlaPanel({ refreshSeconds }: { refreshSeconds: number }) {
  const { load, events, key } = OVERVIEW_READS.sla;
  const sla = useRefreshing(load, {
    refreshSeconds,
    events,
    early: key,
    eventDelayMs: AGGREGATE_EVENT_DELAY_MS,
  });
  const legend = (['ok', 'warning', 'critical'] as const).map((l) => ({ label: l === 'ok' ? 'within SLA' : l, value: 0, color: SLA_COLORS[l]! }));
  const rows: BarRow[] = (sla.value?.results ?? []).map((r) => {
    const levels = { ok: Number(r.ok ?? 0), warning: Number(r.warning ?? 0), critical: Number(r.critical ?? 0) };
    const total = levels.ok + levels.warning + levels.critical;
    return {
      label: String(r.type),
      segments: legend.map((l, i) => ({ ...l, value: levels[(['ok', 'warning', 'critical'] as const)[i]!] })),
      note: `${Math.round((levels.ok / Math.max(1, total)) * 100)}% on time`,
    };
  });
  return (
    <div>
      <h3 className="sub">SLA of open tasks, by type</h3>
      <ErrorNote error={sla.error} />
      {rows.length === 0 && sla.value && <p className="muted small">No open task has an SLA running.</p>}
      <StackedBars rows={rows} legend={legend} testId="chart-sla" />
    </div>
  );
}

/** Completed tasks per hour over the last day: `completed_per_hour` (counts kept by triggers). */
const THROUGHPUT_HOURS = 24;
const HOUR_MS = 3_600_000;

/** The query's rows (`hour`: 'YYYY-MM-DD HH:00', UTC) as one bucket per clock hour, the current one last. */
export function completedPerHour(rows: ReadonlyArray<Record<string, unknown>>, now: number, hours = THROUGHPUT_HOURS): number[] {
  const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const buckets = new Array<number>(hours).fill(0);
  for (const r of rows) {
    const at = Date.parse(`${String(r.hour).replace(' ', 'T')}:00Z`);
    if (Number.isNaN(at) || at > now) continue;
    const age = Math.round((currentHour - at) / HOUR_MS);
    if (age >= 0 && age < hours) buckets[hours - 1 - age]! += Number(r.completed ?? 0);
  }
  return buckets;
}

export function ThroughputPanel({ refreshSeconds }: { refreshSeconds: number }) {
  const { load, events, key } = OVERVIEW_READS.throughput;
  const done = useRefreshing(load, {
    refreshSeconds: Math.max(refreshSeconds, 30),
    events,
    early: key,
    eventDelayMs: AGGREGATE_EVENT_DELAY_MS,
  });
  const now = Date.now();
  const values = completedPerHour(done.value?.results ?? [], now);
  const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const labels = values.map((_, i) => `${new Date(currentHour - (THROUGHPUT_HOURS - 1 - i) * HOUR_MS).getHours()}:00`);
  const color = useStatusColor()('completed') ?? '#28a745';
  return (
    <div>
      <h3 className="sub">Completed per hour, last {THROUGHPUT_HOURS} hours</h3>
      <ErrorNote error={done.error} />
      {/* Columns of zeros before the first answer would read as "nothing completed". */}
      {done.value ? <Columns values={values} labels={labels} color={color} unit="completed" testId="chart-throughput" /> : !done.error && <p className="muted small">Loading…</p>}
    </div>
  );
}
