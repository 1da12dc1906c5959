import { useState, type FormEvent } from 'react';
import { Dialog } from '../components/Dialog';
import { ErrorNote } from '../components/EmptyState';
import { errorMessage } from '../data/format';

/** The task types of the seed's routing rules; any other type follows the fallback route. */
const KNOWN_TYPES = ['ui_improvement', 'performance_optimization', 'bug_fix', 'feature_development', 'infrastructure'];

export function NewTaskDialog({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(id: number): void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string): string => String(form.get(k) ?? '').trim();
    setBusy(true);
    window.architect.tasks
      .create({ type: text('type'), title: text('title'), prompt: text('prompt'), priority: Number(text('priority')), ...(text('project') ? { project: text('project') } : {}) })
      .then((task) => {
        setError(null);
        onClose();
        onCreated(task.id);
      })
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => setBusy(false));
  };
  return (
    <Dialog title="New task" open={open} onClose={onClose} testId="new-task-dialog">
      <form className="form" onSubmit={submit}>
        <label>
          Type
          <input name="type" list="task-types" required defaultValue="bug_fix" />
          <datalist id="task-types">
            {KNOWN_TYPES.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </label>
        <label>
          Title
          <input name="title" required maxLength={500} placeholder="Fix the flaky login test" />
        </label>
        <label>
          Prompt <span className="muted small">(what the agent is told)</span>
          <textarea name="prompt" required rows={6} />
        </label>
        <div className="form-row">
          <label>
            Priority <span className="muted small">0–10</span>
            <input name="priority" type="number" min={0} max={10} defaultValue={5} required />
          </label>
          <label>
            Project <span className="muted small">(folder or name, optional)</span>
            <input name="project" />
          </label>
        </div>
        <ErrorNote error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy} data-testid="create-task">
            Create task
          </button>
        </div>
      </form>
    </Dialog>
  );
}
