import { useState } from 'react';
import type { WorkflowInfo } from '../../../shared/api';
import { Dialog } from '../components/Dialog';
import { EmptyState, ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { RelativeTime } from '../components/Time';
import { errorMessage } from '../data/format';
import { useRefreshing } from '../data/live';
import { navigate, routeHref } from '../shell/route';
import { RunView, RunStatus, took } from './RunView';

export function WorkflowsPage({ runId }: { runId: string | null }) {
  const workflows = useRefreshing(async () => (await window.architect.workflows.list()).workflows, { events: ['config.changed'] });
  const runs = useRefreshing(async () => (await window.architect.workflows.runs({ limit: 200 })).runs, { events: ['workflows.changed'] });
  const [starting, setStarting] = useState<WorkflowInfo | null>(null);
  if (runId) return <RunView id={Number(runId)} />;
  return (
    <div className="page" data-testid="page-workflows">
      <PageHeader title="Workflows" />
      <ErrorNote error={workflows.error ?? runs.error} />
      <div className="two-col">
        <section className="card">
          <h2>Defined in workflows.yaml</h2>
          {workflows.value?.length === 0 && <p className="muted">No workflows. Define some in <a href={routeHref('config')}>workflows.yaml</a>.</p>}
          <ul className="list">
            {workflows.value?.map((w) => (
              <li key={w.name} data-testid="workflow">
                <div className="grow">
                  <b>{w.name}</b> <span className="muted small">· {w.trigger} · {w.steps.length} steps</span>
                  <div className="muted small">{w.description}</div>
                </div>
                <button type="button" onClick={() => setStarting(w)} data-testid={`start-${w.name}`}>
                  Start…
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section className="card">
          <h2>Runs</h2>
          {runs.value?.length === 0 && (
            <EmptyState title="No runs yet">
              <p>Start a workflow here, with <code>architect workflow run NAME</code>, or let a trigger start it.</p>
            </EmptyState>
          )}
          <table className="table">
            <tbody>
              {runs.value?.map((r) => (
                <tr key={r.id} data-testid="workflow-run" data-run-id={r.id} data-status={r.status} className="clickable" onClick={() => navigate('workflows', r.id)}>
                  <td style={{ width: 60 }}>#{r.id}</td>
                  <td>{r.workflow}</td>
                  <td>
                    <RunStatus status={r.status} />
                  </td>
                  <td className="muted small">{r.currentStep ?? ''}</td>
                  <td className="small">
                    <RelativeTime at={r.startedAt} />
                  </td>
                  <td className="small muted" title="how long it took (so far)">
                    {took(r.startedAt, r.finishedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <StartDialog workflow={starting} onClose={() => setStarting(null)} />
    </div>
  );
}

function StartDialog({ workflow, onClose }: { workflow: WorkflowInfo | null; onClose(): void }) {
  const [input, setInput] = useState('{}');
  const [error, setError] = useState<string | null>(null);
  const start = (): void => {
    if (!workflow) return;
    let parsed: Record<string, unknown>;
    try {
      const value: unknown = JSON.parse(input || '{}');
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('inputs must be a JSON object, e.g. {"task_id": 42}');
      parsed = value as Record<string, unknown>;
    } catch (e) {
      setError(errorMessage(e));
      return;
    }
    window.architect.workflows
      .start({ name: workflow.name, input: parsed })
      .then(({ runId }) => (onClose(), navigate('workflows', runId)))
      .catch((e: unknown) => setError(errorMessage(e)));
  };
  return (
    <Dialog title={`Start ${workflow?.name ?? ''}`} open={workflow !== null} onClose={onClose} testId="start-workflow">
      <div className="form">
        <p className="muted small">{workflow?.description}</p>
        <label>
          Inputs (JSON object)
          <textarea rows={5} value={input} onChange={(e) => setInput(e.target.value)} spellCheck={false} />
        </label>
        <ErrorNote error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={start} data-testid="start-run">
            Start run
          </button>
        </div>
      </div>
    </Dialog>
  );
}
