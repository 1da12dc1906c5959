import { useEffect, useState } from 'react';
import { SlaBar, StatusPill } from '../components/Badges';
import { ErrorNote } from '../components/EmptyState';
import { RelativeTime } from '../components/Time';
import { errorMessage } from '../data/format';
import { useRefreshing } from '../data/live';
import { routeHref } from '../shell/route';
import { isFinishedStatus } from '../../../shared/task-status';

/** One task: what it is, where it went and why (decision trail), and what to do with it. */
export function TaskView({ id, onClose }: { id: number; onClose(): void }) {
  const detail = useRefreshing(() => window.architect.tasks.get({ id }), { events: ['tasks.changed'], key: id });
  const [error, setError] = useState<string | null>(null);
  const [priority, setPriority] = useState<number | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && !(e.target instanceof HTMLElement && e.target.closest('dialog'))) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const act = (p: Promise<unknown>): void => {
    p.then(() => (setError(null), detail.reload()), (e: unknown) => setError(errorMessage(e)));
  };
  const task = detail.value?.task;
  return (
    <aside className="drawer" data-testid="task-view" aria-label={`Task ${id}`}>
      <header>
        <h2>
          Task #{id} {task && <StatusPill status={task.status} />}
        </h2>
        <button type="button" className="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <ErrorNote error={detail.error ?? error} />
      {task && (
        <div className="drawer-body">
          <h3 data-testid="task-title">{task.title}</h3>
          <dl className="facts">
            <dt>Type</dt>
            <dd>{task.type}</dd>
            <dt>Priority</dt>
            <dd>{task.priority}</dd>
            <dt>Agent</dt>
            <dd>{task.assignedTo ?? <span className="muted">not assigned</span>}</dd>
            <dt>Attempts</dt>
            <dd data-testid="task-attempts">
              {task.attempts} of {detail.value?.maxAttempts ?? '?'}
              <span className="muted small"> (max_attempts for {task.type})</span>
            </dd>
            {(task.status === 'failed' || task.status === 'blocked') && task.statusReason && (
              <>
                <dt>{task.status === 'failed' ? 'Failed' : 'Blocked'}</dt>
                <dd data-testid="task-status-reason">{task.statusReason}</dd>
              </>
            )}
            {detail.value && detail.value.dependsOn.length > 0 && (
              <>
                <dt>Waits on</dt>
                <dd data-testid="task-depends-on">
                  {detail.value.dependsOn.map((d, i) => (
                    <span key={d.id}>
                      {i > 0 && ', '}
                      <a href={routeHref('tasks', String(d.id))} title={d.title}>
                        #{d.id}
                      </a>{' '}
                      <StatusPill status={d.status} />
                    </span>
                  ))}
                </dd>
              </>
            )}
            <dt>Created</dt>
            <dd>
              <RelativeTime at={task.createdAt} />
            </dd>
            <dt>Started</dt>
            <dd>
              <RelativeTime at={task.startedAt} />
            </dd>
            <dt>Finished</dt>
            <dd>
              <RelativeTime at={task.completedAt} />
            </dd>
            <dt>SLA</dt>
            <dd>
              <SlaBar sla={task.sla} finished={isFinishedStatus(task.status)} />
              {task.sla && (
                <span className="muted small">
                  {' '}
                  {Math.round(task.sla.elapsedMinutes)} of {Math.round(task.sla.targetMinutes)} min
                </span>
              )}
            </dd>
          </dl>
          <div className="task-actions">
            {!isFinishedStatus(task.status) && (
              <button type="button" data-testid="task-cancel" onClick={() => act(window.architect.tasks.cancel({ id, reason: 'cancelled from the console' }))}>
                Cancel task
              </button>
            )}
            {(task.status === 'failed' || task.status === 'cancelled') && (
              <button type="button" data-testid="task-retry" onClick={() => act(window.architect.tasks.retry({ id }))}>
                Retry
              </button>
            )}
            {!isFinishedStatus(task.status) && task.holdReason === null && (
              <button type="button" data-testid="task-hold" title="Blocked until released; taken back from its agent if one has it" onClick={() => act(window.architect.tasks.hold({ id, reason: 'held from the console' }))}>
                Hold
              </button>
            )}
            {task.holdReason !== null && (
              <button type="button" data-testid="task-release" onClick={() => act(window.architect.tasks.release({ id }))}>
                Release
              </button>
            )}
            {!isFinishedStatus(task.status) && (
              <span className="inline-form">
                <input type="number" min={0} max={10} aria-label="New priority" value={priority ?? task.priority} onChange={(e) => setPriority(Number(e.target.value))} data-testid="task-priority" />
                <button type="button" data-testid="task-set-priority" disabled={priority === null || priority === task.priority} onClick={() => priority !== null && act(window.architect.tasks.setPriority({ id, priority }))}>
                  Set priority
                </button>
              </span>
            )}
          </div>
          <h4>Prompt</h4>
          <pre className="prompt">{task.prompt}</pre>
          <h4>History</h4>
          <ol className="history" data-testid="task-history">
            {detail.value?.history.map((h, i) => (
              <li key={i}>
                <RelativeTime at={h.at} /> {h.from ?? 'new'} → <b>{h.to}</b>
                {h.reason && <span className="muted small"> ({h.reason})</span>}
              </li>
            ))}
          </ol>
          <h4>Decision trail</h4>
          <ol className="history" data-testid="task-decisions">
            {detail.value?.decisions.map((d) => (
              <li key={d.id}>
                <RelativeTime at={d.at} /> <span className="pill">{d.kind}</span> <b>{d.decision}</b>
                {d.sessionId && (
                  <>
                    {' '}
                    → <a href={routeHref('sessions', d.sessionId)}>{d.sessionId}</a>
                  </>
                )}
                <div className="muted small">{d.reason}</div>
              </li>
            ))}
            {detail.value?.decisions.length === 0 && <li className="muted">No routing or SLA decision about this task yet.</li>}
          </ol>
        </div>
      )}
    </aside>
  );
}
