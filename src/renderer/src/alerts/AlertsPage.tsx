import { useState } from 'react';
import { EmptyState, ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { RelativeTime } from '../components/Time';
import { errorMessage } from '../data/format';
import { useRefreshing } from '../data/live';
import { routeHref } from '../shell/route';
import { acknowledge } from './AlertBanner';

/** Every alert the escalation rules raised, open ones first, with their history. */
export function AlertsPage() {
  const [showAll, setShowAll] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const list = useRefreshing(async () => (await window.architect.alerts.list({ includeAcknowledged: showAll, limit: 500 })).alerts, {
    events: ['alerts.changed'],
    key: showAll,
  });
  const alerts = [...(list.value ?? [])].sort((a, b) => Number(a.acknowledgedAt !== null) - Number(b.acknowledgedAt !== null));
  return (
    <div className="page" data-testid="page-alerts">
      <PageHeader title="Alerts">
        <label className="check">
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> include acknowledged
        </label>
      </PageHeader>
      <ErrorNote error={list.error ?? error} />
      {list.value && alerts.length === 0 && (
        <EmptyState title="No alerts">
          <p>
            Alerts come from the <code>alert_user</code> actions of the escalation rules in <code>sla_rules.yaml</code>: a task close to
            or past its SLA, an agent stuck waiting. They appear here, as a banner and as a toast.
          </p>
        </EmptyState>
      )}
      {alerts.length > 0 && (
        <table className="table" data-testid="alerts-table">
          <thead>
            <tr>
              <th style={{ width: 110 }}>Level</th>
              <th>Message</th>
              <th style={{ width: 110 }}>Task</th>
              <th style={{ width: 130 }}>Raised</th>
              <th style={{ width: 150 }}>Acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id} data-testid="alert-row" className={a.acknowledgedAt ? 'muted' : ''}>
                <td>
                  <span className={`pill level-${a.level}`}>{a.level}</span>
                </td>
                <td>
                  <b>{a.kind.replace(/_/g, ' ')}</b> {a.message}
                </td>
                <td>{a.taskId !== null ? <a href={routeHref('tasks', a.taskId)}>#{a.taskId}</a> : '—'}</td>
                <td>
                  <RelativeTime at={a.createdAt} />
                </td>
                <td>
                  {a.acknowledgedAt ? (
                    <RelativeTime at={a.acknowledgedAt} />
                  ) : (
                    <button type="button" data-testid="alert-row-ack" onClick={() => acknowledge(a.id).then(list.reload, (e: unknown) => setError(errorMessage(e)))}>
                      Acknowledge
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
