import { useMemo } from 'react';
import { StatePill, StatusPill } from '../components/Badges';
import { ErrorNote, NoAgents } from '../components/EmptyState';
import { RelativeTime, Since } from '../components/Time';
import { agentSessions, bySeverity, useFleet } from '../data/fleet';
import { formatCount, parseTime } from '../data/format';
import { useNow, useRefreshing } from '../data/live';
import { useHealthColor } from '../data/uiConfig';
import { routeHref } from '../shell/route';
import { StateTimeline } from './Timeline';
import { TASK_STATUSES } from '../../../shared/task-status';
import { OVERVIEW_READS, TIMELINE_HOURS } from './reads';

export function ProjectsPanel({ refreshSeconds }: { refreshSeconds: number }) {
  // Each project's SLA levels are counted over its open tasks (sla_by_project): at most once per 5 s on changes.
  const { load, events, key } = OVERVIEW_READS.projects;
  const projects = useRefreshing(load, { refreshSeconds, events, eventDelayMs: 5_000, early: key });
  const healthColor = useHealthColor();
  return (
    <>
      <ErrorNote error={projects.error} />
      {projects.value?.length === 0 && <p className="muted">No projects yet. <a href={routeHref('projects')}>Add a folder</a>.</p>}
      <ul className="list">
        {projects.value?.map((p) => (
          <li key={p.id} data-testid="overview-project">
            <span className="dot" style={{ background: healthColor(p.health) }} title={p.health} />
            <b>{p.name}</b>
            <span className="muted small ellipsis" title={p.healthReason}>
              {p.healthReason}
            </span>
            <span className="right muted small">
              {p.openTasks} open · {p.sessions} agents
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}

export function TasksPanel() {
  const { tasks } = useFleet();
  if (!tasks) return <p className="muted">Loading…</p>;
  return (
    <>
      <p className="big">
        <span data-testid="task-total">{formatCount(tasks.total)}</span> <span className="muted small">tasks</span>
      </p>
      <div className="counts">
        {TASK_STATUSES.map((status) => [status, tasks.counts[status] ?? 0] as const).map(([status, n]) => (
          <a key={status} href={`${routeHref('tasks')}?status=${status}`} className="count" data-testid={`count-${status}`}>
            <StatusPill status={status} /> <b>{formatCount(n)}</b>
          </a>
        ))}
      </div>
    </>
  );
}

/** The state timeline's window moves on a whole one of these (a minute). */
const TIMELINE_TICK_MS = 60_000;

export function SessionsPanel({ refreshSeconds }: { refreshSeconds: number }) {
  const { sessions, sessionsError } = useFleet();
  const { load, events, key } = OVERVIEW_READS.timeline;
  const timeline = useRefreshing(load, { refreshSeconds: Math.max(refreshSeconds, 5), events, early: key });
  const agents = agentSessions(sessions).sort(bySeverity);
  // The timeline's window ends on a whole minute at or after both its clock and the latest
  // transition read: it moves at most once a minute, not on every render (a new end moves
  // every strip: 100 of them were redrawn on each change of the fleet), and a transition
  // just read is inside it. The current states run on to that end (at most a minute, ~3 px
  // of a 6-hour strip).
  const tick = useNow(TIMELINE_TICK_MS);
  const latest = useMemo(() => (timeline.value?.events ?? []).reduce((max, e) => Math.max(max, parseTime(e.at)?.getTime() ?? 0), 0), [timeline.value]);
  const now = Math.ceil(Math.max(tick.getTime(), latest) / TIMELINE_TICK_MS) * TIMELINE_TICK_MS;
  if (sessions && agents.length === 0) return <NoAgents />;
  return (
    <>
      <ErrorNote error={sessionsError ?? timeline.error} />
      <ul className="list">
        {agents.slice(0, 12).map((s) => (
          <li key={s.id} data-testid="overview-session">
            <StatePill state={s.state} title={s.reason ?? undefined} />
            <a href={routeHref('sessions', s.id)}>
              <b>{s.name}</b>
            </a>
            <span className="muted small">{s.agent}</span>
            <span className="right muted small">
              {s.reason && (s.state === 'waiting' || s.state === 'error') && `${s.reason.replace(/_/g, ' ')} · `}
              <Since at={s.stateSince} />
            </span>
          </li>
        ))}
      </ul>
      {timeline.value && sessions && (
        <>
          <h3 className="sub">Agent states, last {TIMELINE_HOURS} hours</h3>
          <StateTimeline events={timeline.value.events} since={now - TIMELINE_HOURS * 3_600_000} now={now} sessions={agents} />
        </>
      )}
    </>
  );
}

export function ErrorsPanel({ refreshSeconds }: { refreshSeconds: number }) {
  const { load, events, key } = OVERVIEW_READS.errors;
  const errors = useRefreshing(load, { refreshSeconds, events, early: key });
  return (
    <>
      <ErrorNote error={errors.error} />
      {errors.value?.length === 0 && <p className="muted">No open errors.</p>}
      <ul className="list">
        {errors.value?.slice(0, 8).map((e) => (
          <li key={e.id} data-testid="overview-error">
            <span className="pill">{e.count}×</span>
            <span className="ellipsis" title={e.message}>
              {e.message}
            </span>
            <span className="right muted small">
              {e.source} · <RelativeTime at={e.lastSeen} />
            </span>
          </li>
        ))}
      </ul>
      {errors.value && errors.value.length > 8 && <a href={routeHref('errors')}>All {errors.value.length} open errors →</a>}
    </>
  );
}
