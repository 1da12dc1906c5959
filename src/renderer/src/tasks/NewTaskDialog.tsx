import { useState, type FormEvent } from 'react';
import { useRefreshing } from '../data/live';
import { Dialog } from '../components/Dialog';
import { ErrorNote } from '../components/EmptyState';
import { errorMessage } from '../data/format';

/** Priority when neither the type nor the operator gives one: the middle of 0–10. */
const DEFAULT_PRIORITY = 5;
const DEFAULT_TYPE = 'bug_fix';

export function NewTaskDialog({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(id: number): void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The types routing_rules.yaml and sla_rules.yaml know; any other type follows the fallback route.
  const types = useRefreshing(async () => (await window.architect.tasks.types()).types, { events: ['config.changed'] });
  const [type, setType] = useState(DEFAULT_TYPE);
  const [priority, setPriority] = useState<string | null>(null);
  const known = types.value?.find((t) => t.name === type.trim()) ?? null;
  // Until the operator sets one, the priority follows the type's default.
  const shownPriority = priority ?? String(known?.priority ?? DEFAULT_PRIORITY);
  const submit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string): string => String(form.get(k) ?? '').trim();
    setBusy(true);
    window.architect.tasks
      .create({ type: text('type'), title: text('title'), prompt: text('prompt'), priority: Number(text('priority')), ...(text('project') ? { project: text('project') } : {}) })
      .then((task) => {
        setError(null);
        setPriority(null);
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
          <input name="type" list="task-types" required value={type} onChange={(e) => setType(e.target.value)} data-testid="new-task-type" autoComplete="off" />
          <datalist id="task-types">
            {types.value?.map((t) => (
              <option key={t.name} value={t.name}>
                {t.description ?? ''}
              </option>
            ))}
          </datalist>
          <span className="muted small" data-testid="task-type-hint">
            {known
              ? [known.description, known.targetMinutes !== null ? `SLA ${known.targetMinutes} min` : null, known.priority !== null ? `default priority ${known.priority}` : null]
                  .filter(Boolean)
                  .join(' · ') || 'a known type'
              : type.trim()
                ? 'not a configured type: it follows the fallback route and the default SLA'
                : ''}
          </span>
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
            <input name="priority" type="number" min={0} max={10} required value={shownPriority} onChange={(e) => setPriority(e.target.value)} data-testid="new-task-priority" />
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
