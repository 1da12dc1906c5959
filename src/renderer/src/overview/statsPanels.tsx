import type { TaskRow } from '../../../shared/api';
import { OPEN_STATUSES } from '../../../shared/task-status';
import { ErrorNote } from '../components/EmptyState';
import { formatCount, formatMinutes, parseTime } from '../data/format';
import { useRefreshing } from '../data/live';
import { SLA_COLORS, useStatusColor } from '../data/uiConfig';
import { Columns, StackedBars, type BarRow } from './StackedBars';

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
  const stats = useRefreshing(() => window.architect.query.run({ name: 'stats_dashboard', params: {} }), { refreshSeconds, events: ['tasks.changed', 'sessions.changed', 'errors.changed'] });
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
  const perf = useRefreshing(() => window.architect.query.run({ name: 'task_performance_by_type', params: {} }), { refreshSeconds });
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

/** Open tasks are few enough to fetch whole up to this many per status. */
const OPEN_TASKS_SAMPLE = 1000;

/** SLA level of the open tasks, per type. */
export function SlaPanel({ refreshSeconds }: { refreshSeconds: number }) {
  const open = useRefreshing(
    async () => {
      const lists = await Promise.all(
        OPEN_STATUSES.map((status) => window.architect.tasks.list({ status, limit: OPEN_TASKS_SAMPLE })),
      );
      return lists.flatMap((l) => l.tasks);
    },
    { refreshSeconds, events: ['tasks.changed'] },
  );
  const byType = new Map<string, Record<string, number>>();
  for (const t of open.value ?? []) {
    if (!t.sla) continue;
    const levels = byType.get(t.type) ?? { ok: 0, warning: 0, critical: 0 };
    levels[t.sla.level] = (levels[t.sla.level] ?? 0) + 1;
    byType.set(t.type, levels);
  }
  const legend = (['ok', 'warning', 'critical'] as const).map((l) => ({ label: l === 'ok' ? 'within SLA' : l, value: 0, color: SLA_COLORS[l]! }));
  const rows: BarRow[] = [...byType.entries()]
    .sort((a, b) => (b[1].critical ?? 0) - (a[1].critical ?? 0) || a[0].localeCompare(b[0]))
    .map(([type, levels]) => {
      const total = (levels.ok ?? 0) + (levels.warning ?? 0) + (levels.critical ?? 0);
      return {
        label: type,
        segments: legend.map((l, i) => ({ ...l, value: levels[(['ok', 'warning', 'critical'] as const)[i]!] ?? 0 })),
        note: `${Math.round(((levels.ok ?? 0) / Math.max(1, total)) * 100)}% on time`,
      };
    });
  return (
    <div>
      <h3 className="sub">SLA of open tasks, by type</h3>
      <ErrorNote error={open.error} />
      {rows.length === 0 && open.value && <p className="muted small">No open task has an SLA running.</p>}
      <StackedBars rows={rows} legend={legend} testId="chart-sla" />
    </div>
  );
}

/** Completed tasks per hour over the last day, from the most recently finished tasks. */
const THROUGHPUT_HOURS = 24;
const HOUR_MS = 3_600_000;

export function completedPerHour(tasks: Pick<TaskRow, 'completedAt'>[], now: number, hours = THROUGHPUT_HOURS): number[] {
  // Clock hours, the current one last, so each column matches its "15:00" label.
  const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const buckets = new Array<number>(hours).fill(0);
  for (const t of tasks) {
    const at = parseTime(t.completedAt)?.getTime();
    if (at === undefined || at > now) continue;
    const age = at >= currentHour ? 0 : Math.ceil((currentHour - at) / HOUR_MS);
    if (age < hours) buckets[hours - 1 - age]! += 1;
  }
  return buckets;
}

export function ThroughputPanel({ refreshSeconds }: { refreshSeconds: number }) {
  const done = useRefreshing(
    async () => (await window.architect.tasks.list({ status: 'completed', sort: { field: 'updated_at', order: 'desc' }, limit: 1000 })).tasks,
    { refreshSeconds: Math.max(refreshSeconds, 30), events: ['tasks.changed'] },
  );
  const now = Date.now();
  const values = completedPerHour(done.value ?? [], now);
  const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const labels = values.map((_, i) => `${new Date(currentHour - (THROUGHPUT_HOURS - 1 - i) * HOUR_MS).getHours()}:00`);
  const color = useStatusColor()('completed') ?? '#28a745';
  return (
    <div>
      <h3 className="sub">Completed per hour, last {THROUGHPUT_HOURS} hours</h3>
      <ErrorNote error={done.error} />
      <Columns values={values} labels={labels} color={color} unit="completed" testId="chart-throughput" />
    </div>
  );
}
