import { useState } from 'react';
import { ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { RelativeTime } from '../components/Time';
import { errorMessage, formatDuration, parseTime } from '../data/format';
import { useRefreshing } from '../data/live';
import { routeHref } from '../shell/route';
import { stateColor, useStatusColor } from '../data/uiConfig';

/** A run's status in theme.colors: task statuses where they match, running as in_progress, waiting as the agent state. */
const RUN_AS_TASK: Record<string, string> = { running: 'in_progress', rolled_back: 'cancelled' };
const ENDED = new Set(['completed', 'failed', 'cancelled', 'rolled_back']);

export function RunStatus({ status }: { status: string }) {
  const statusColor = useStatusColor();
  const color = statusColor(RUN_AS_TASK[status] ?? status) ?? (status === 'waiting' ? stateColor('waiting') : 'var(--muted)');
  return (
    <span className="pill" style={{ color, background: `color-mix(in srgb, ${color} 16%, transparent)` }}>
      {status}
    </span>
  );
}

/** How long a run or step took (so far, while it runs). */
export function took(start: string | null, end: string | null): string {
  const s = parseTime(start);
  if (!s) return '—';
  const e = parseTime(end) ?? new Date();
  const ms = e.getTime() - s.getTime();
  // Most steps (queries, notifications) take milliseconds: "0 s" would read as "did not run".
  return ms < 1000 ? '< 1 s' : formatDuration(ms);
}

/** A run's steps in order with status, timings and errors; progress while it runs. */
export function RunView({ id }: { id: number }) {
  const run = useRefreshing(() => window.architect.workflows.getRun({ id }), { events: ['workflows.changed'], key: id });
  const [error, setError] = useState<string | null>(null);
  const r = run.value?.run;
  const steps = run.value?.steps ?? [];
  const done = steps.filter((s) => ENDED.has(s.status) || s.status === 'skipped').length;
  return (
    <div className="page" data-testid="page-run">
      <PageHeader
        title={
          <>
            <a href={routeHref('workflows')} className="muted">
              Workflows
            </a>{' '}
            / run #{id}{' '}
            {r && (
              <span data-testid="run-status" data-status={r.status}>
                <RunStatus status={r.status} />
              </span>
            )}
          </>
        }
      >
        {r && !ENDED.has(r.status) && (
          <button type="button" className="danger" onClick={() => window.architect.workflows.cancel({ id }).then(run.reload, (e: unknown) => setError(errorMessage(e)))}>
            Cancel run
          </button>
        )}
      </PageHeader>
      <ErrorNote error={run.error ?? error} />
      {r && (
        <>
          <p>
            <b>{r.workflow}</b> · started <RelativeTime at={r.startedAt} /> by {r.trigger} · took {took(r.startedAt, r.finishedAt)}
          </p>
          {r.error && <p className="error">{r.error}</p>}
          <div className="progress" title={`${done} of ${steps.length} steps done`}>
            <span style={{ width: `${steps.length ? (done / steps.length) * 100 : 0}%` }} />
          </div>
          <table className="table">
            <thead>
              <tr>
                <th style={{ width: 40 }}>#</th>
                <th>Step</th>
                <th style={{ width: 110 }}>Status</th>
                <th style={{ width: 70 }}>Attempt</th>
                <th style={{ width: 110 }}>Took</th>
                <th>Error / output</th>
              </tr>
            </thead>
            <tbody>
              {steps.map((s) => (
                <tr key={`${s.seq}-${s.attempt}`} data-testid="run-step" data-step={s.step} data-status={s.status}>
                  <td>{s.seq}</td>
                  <td>{s.step}</td>
                  <td>
                    <RunStatus status={s.status} />
                  </td>
                  <td>{s.attempt}</td>
                  <td>{took(s.startedAt, s.finishedAt)}</td>
                  <td className="ellipsis small" title={s.error ?? JSON.stringify(s.output ?? null, null, 2)}>
                    {s.error ? <span className="error">{s.error}</span> : <code>{JSON.stringify(s.output ?? null)}</code>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
