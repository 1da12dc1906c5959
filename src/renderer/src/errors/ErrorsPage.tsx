import { useState } from 'react';
import { EmptyState, ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { RelativeTime } from '../components/Time';
import { errorMessage } from '../data/format';
import { useRefreshing } from '../data/live';
import { routeHref } from '../shell/route';

/** Problems aggregated by fingerprint: one row per kind of problem, with its count. */
export function ErrorsPage() {
  const [includeResolved, setIncludeResolved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = useRefreshing(async () => (await window.architect.errors.list({ includeResolved })).errors, { events: ['errors.changed'], key: includeResolved });
  return (
    <div className="page" data-testid="page-errors">
      <PageHeader title="Errors">
        <label className="check">
          <input type="checkbox" checked={includeResolved} onChange={(e) => setIncludeResolved(e.target.checked)} /> include resolved
        </label>
      </PageHeader>
      <ErrorNote error={list.error ?? error} />
      {list.value?.length === 0 && (
        <EmptyState title="No open errors">
          <p>Problems the router, the tmux monitor, SLA checks and workflows meet are grouped here by kind, with how often and when they happened.</p>
        </EmptyState>
      )}
      {list.value && list.value.length > 0 && (
        <table className="table" data-testid="errors-table">
          <thead>
            <tr>
              <th style={{ width: 70 }}>Count</th>
              <th style={{ width: 100 }}>Source</th>
              <th>Message</th>
              <th style={{ width: 140 }}>Where</th>
              <th style={{ width: 120 }}>First seen</th>
              <th style={{ width: 120 }}>Last seen</th>
              <th style={{ width: 100 }} />
            </tr>
          </thead>
          <tbody>
            {list.value.map((e) => (
              <tr key={e.id} data-testid="error-row" className={e.resolved ? 'muted' : ''}>
                <td>
                  <b>{e.count}×</b>
                </td>
                <td>{e.source}</td>
                <td className="ellipsis" title={e.message}>
                  {e.message}
                </td>
                <td className="small">
                  {e.sessionId && <a href={routeHref('sessions', e.sessionId)}>{e.sessionId}</a>} {e.taskId !== null && <a href={routeHref('tasks', e.taskId)}>task #{e.taskId}</a>}
                </td>
                <td className="small">
                  <RelativeTime at={e.firstSeen} />
                </td>
                <td className="small">
                  <RelativeTime at={e.lastSeen} />
                </td>
                <td>
                  {!e.resolved && (
                    <button type="button" data-testid="error-resolve" onClick={() => window.architect.errors.resolve({ id: e.id }).then(list.reload, (err: unknown) => setError(errorMessage(err)))}>
                      Resolve
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
