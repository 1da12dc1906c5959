import { agentSessions, STATE_ORDER, useFleet } from '../data/fleet';
import { formatCount } from '../data/format';
import { stateColor } from '../data/uiConfig';
import { routeHref } from './route';

/** The header's one-line answer to "is everything all right?". */
export function FleetStatus() {
  const { sessions, tasks, alerts } = useFleet();
  const agents = agentSessions(sessions);
  const byState = new Map<string, number>();
  for (const s of agents) byState.set(s.state, (byState.get(s.state) ?? 0) + 1);
  const queued = tasks ? (tasks.counts.pending ?? 0) : null;
  return (
    <div className="fleet" data-testid="fleet-status">
      <a href={routeHref('sessions')} className="fleet-item" title="Agents by state">
        <b data-testid="fleet-agents">{agents.length}</b> agents
        {STATE_ORDER.filter((s) => byState.get(s)).map((s) => (
          <span key={s} className="fleet-state" data-testid={`fleet-${s}`} title={`${byState.get(s)} ${s}`}>
            <span className="dot" style={{ background: stateColor(s) }} />
            {byState.get(s)} {s}
          </span>
        ))}
      </a>
      <a href={routeHref('tasks')} className="fleet-item" title="Tasks waiting for an agent">
        <b data-testid="fleet-queue">{queued === null ? '…' : formatCount(queued)}</b> queued
      </a>
      <a href={routeHref('alerts')} className={`fleet-item ${alerts && alerts.open > 0 ? 'alerting' : ''}`} title="Open alerts">
        <b data-testid="fleet-alerts">{alerts ? alerts.open : '…'}</b> {alerts?.open === 1 ? 'alert' : 'alerts'}
      </a>
    </div>
  );
}
