import type { Session } from '../../../shared/api';
import { useAttention } from '../attention/AttentionProvider';
import { DialogAnswer } from '../attention/DialogAnswer';
import { StatePill } from '../components/Badges';
import { RelativeTime, Since } from '../components/Time';
import { stateColor } from '../data/uiConfig';
import { routeHref } from '../shell/route';

/**
 * One agent pane at a glance: who, what state for how long, on which task, why,
 * and the last thing it printed. The name's link covers the whole card (so the
 * card opens the session) while the task link stays clickable above it.
 */
export function SessionCard({ session: s, taskTitle }: { session: Session; taskTitle?: string | null }) {
  const { inbox, unread } = useAttention();
  const mark = unread.get(s.id);
  const waiting = s.state === 'waiting' ? inbox?.find((i) => i.sessionId === s.id) : undefined;
  return (
    <div className="card session-card" data-testid="session-card" data-session={s.name} data-state={s.state} data-unread={mark ? 'true' : undefined} style={{ borderLeftColor: stateColor(s.state) }}>
      <div className="session-card-head">
        <a className="ellipsis card-link" href={routeHref('sessions', s.id)}>
          <b>{s.name}</b>
        </a>
        {mark && <span className="unread-dot" data-testid="session-unread" title={`needs a look: ${mark.detail ?? mark.event.replace(/_/g, ' ')}`} />}
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
        {s.currentTaskId !== null ? (
          <a className="above-card-link ellipsis" href={routeHref('tasks', s.currentTaskId)} data-testid="session-task" title={taskTitle ?? undefined}>
            task #{s.currentTaskId}
            {taskTitle && <span className="muted"> · {taskTitle}</span>}
          </a>
        ) : (
          <span className="muted">no task</span>
        )}
        <span className="muted">
          last output <RelativeTime at={s.lastOutputAt} />
        </span>
      </div>
      {waiting?.dialog && (
        <div className="above-card-link">
          <DialogAnswer item={waiting} compact />
        </div>
      )}
      {s.lastLine !== null && (
        <code className="session-last-line ellipsis" data-testid="session-last-line" title={s.lastLine}>
          {s.lastLine || ' '}
        </code>
      )}
    </div>
  );
}
