import type { Session } from '../../../shared/api';
import { StatePill } from '../components/Badges';
import { RelativeTime, Since } from '../components/Time';
import { stateColor } from '../data/uiConfig';
import { routeHref } from '../shell/route';

/** One agent pane at a glance: who, what state for how long, on which task, why. */
export function SessionCard({ session: s }: { session: Session }) {
  return (
    <a className="card session-card" href={routeHref('sessions', s.id)} data-testid="session-card" data-session={s.name} data-state={s.state} style={{ borderLeftColor: stateColor(s.state) }}>
      <div className="session-card-head">
        <b className="ellipsis">{s.name}</b>
        <StatePill state={s.state} title={s.reason ?? undefined} />
      </div>
      <div className="muted small">
        {s.agent} · <code>{s.server}:{s.paneId}</code>
        {s.excluded && <span title="excluded_sessions in routing_rules.yaml: never given tasks"> · excluded from routing</span>}
      </div>
      <div className="session-card-facts small">
        <span>
          {s.state} for <Since at={s.stateSince} />
        </span>
        {s.reason && (s.state === 'waiting' || s.state === 'error') ? (
          <span data-testid="session-reason" className={s.state === 'error' ? 'error' : ''}>
            {s.state === 'waiting' ? 'waiting for ' : 'error: '}
            {s.reason.replace(/_/g, ' ')}
          </span>
        ) : (
          s.reason && (
            <span className="muted" title="the detection rule that decided (agents.yaml)">
              rule {s.reason}
            </span>
          )
        )}
        <span>{s.currentTaskId !== null ? <>task #{s.currentTaskId}</> : <span className="muted">no task</span>}</span>
        <span className="muted">
          last output <RelativeTime at={s.lastOutputAt} />
        </span>
      </div>
      {s.title && <div className="muted small ellipsis" title={s.title}>{s.title}</div>}
    </a>
  );
}
