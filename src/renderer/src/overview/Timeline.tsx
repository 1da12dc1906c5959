import { memo, useMemo } from 'react';
import type { Session, SessionEvent } from '../../../shared/api';
import { formatDuration, parseTime } from '../data/format';
import { stateColor } from '../data/uiConfig';
import { routeHref } from '../shell/route';

export interface Segment {
  state: string;
  start: number;
  end: number;
  reason: string | null;
}

/**
 * Pure: each session's states as segments between `since` and `now`. Before its
 * first transition in the window a session was in that transition's `from` state.
 */
export function buildSegments(events: SessionEvent[], since: number, now: number): Map<string, Segment[]> {
  const bySession = new Map<string, SessionEvent[]>();
  for (const e of events) {
    const list = bySession.get(e.sessionId) ?? [];
    list.push(e);
    bySession.set(e.sessionId, list);
  }
  const out = new Map<string, Segment[]>();
  for (const [id, list] of bySession) {
    list.sort((a, b) => (parseTime(a.at)?.getTime() ?? 0) - (parseTime(b.at)?.getTime() ?? 0));
    const segments: Segment[] = [];
    const first = list[0];
    if (first?.from) segments.push({ state: first.from, start: since, end: Math.max(since, parseTime(first.at)?.getTime() ?? since), reason: null });
    list.forEach((e, i) => {
      const start = Math.max(since, parseTime(e.at)?.getTime() ?? since);
      const next = list[i + 1];
      const end = next ? (parseTime(next.at)?.getTime() ?? now) : now;
      if (end > start) segments.push({ state: e.to, start, end: Math.min(end, now), reason: e.reason });
    });
    out.set(id, segments.filter((s) => s.end > s.start));
  }
  return out;
}

const LEGEND = ['working', 'idle', 'waiting', 'error', 'exited', 'unknown'];

function sameSegments(a: readonly Segment[], b: readonly Segment[]): boolean {
  return a.length === b.length && a.every((s, i) => s.state === b[i]!.state && s.start === b[i]!.start && s.end === b[i]!.end && s.reason === b[i]!.reason);
}

interface RowProps {
  id: string;
  name: string;
  segments: Segment[];
  since: number;
  span: number;
}

/**
 * One agent's strip. Drawn again only when its own segments (or the window) change: the
 * Overview renders on every change of the fleet, and redrawing every agent's strip each
 * time (100 strips, their tooltips formatted anew) kept the browser busy.
 */
const TimelineRow = memo(
  function TimelineRow({ id, name, segments, since, span }: RowProps) {
    return (
      <div className="timeline-row" data-testid="timeline-row">
        <a className="timeline-label ellipsis" href={routeHref('sessions', id)} title={id}>
          {name}
        </a>
        <svg className="timeline-strip" viewBox="0 0 1000 10" preserveAspectRatio="none" role="img" aria-label={`states of ${name}`}>
          {segments.map((seg, i) => (
            <rect key={i} x={((seg.start - since) / span) * 1000} y={0} width={Math.max(1, ((seg.end - seg.start) / span) * 1000)} height={10} fill={stateColor(seg.state)}>
              <title>{`${seg.state}${seg.reason ? ` (${seg.reason})` : ''} · ${new Date(seg.start).toLocaleTimeString()}–${new Date(seg.end).toLocaleTimeString()} · ${formatDuration(seg.end - seg.start)}`}</title>
            </rect>
          ))}
        </svg>
      </div>
    );
  },
  (a, b) => a.id === b.id && a.name === b.name && a.since === b.since && a.span === b.span && sameSegments(a.segments, b.segments),
);

/** A Gantt-like strip per agent, colored by state, over the last hours. */
export function StateTimeline({ events, since, now, sessions }: { events: SessionEvent[]; since: number; now: number; sessions: Session[] }) {
  // The segments only when the events or the window change (not on every change of the fleet).
  const fromEvents = useMemo(() => buildSegments(events, since, now), [events, since, now]);
  const segments = new Map(fromEvents);
  // Sessions with no transition in the window were in their current state throughout.
  for (const s of sessions) {
    if (!segments.has(s.id)) segments.set(s.id, [{ state: s.state, start: since, end: now, reason: s.reason }]);
  }
  const names = new Map(sessions.map((s) => [s.id, s.name]));
  const ids = [...segments.keys()].sort((a, b) => (names.get(a) ?? a).localeCompare(names.get(b) ?? b));
  const span = Math.max(1, now - since);
  const hours = Math.round(span / 3_600_000);
  return (
    <div className="timeline" data-testid="state-timeline">
      <div className="legend">
        {LEGEND.map((s) => (
          <span key={s}>
            <span className="dot" style={{ background: stateColor(s) }} /> {s}
          </span>
        ))}
      </div>
      {ids.map((id) => (
        <TimelineRow key={id} id={id} name={names.get(id) ?? id} segments={segments.get(id) ?? []} since={since} span={span} />
      ))}
      <div className="timeline-axis muted small">
        <span>{hours} h ago</span>
        <span>{Math.round(hours / 2)} h ago</span>
        <span>now</span>
      </div>
    </div>
  );
}
