import { useState, type FormEvent } from 'react';
import { EmptyState, ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { RelativeTime } from '../components/Time';
import { errorMessage } from '../data/format';
import { useRefreshing } from '../data/live';
import { useHealthColor } from '../data/uiConfig';

/** Projects with their health (from open errors and SLA breaches) and the reason for it. */
export function ProjectsPage() {
  const list = useRefreshing(async () => (await window.architect.projects.list()).projects, { events: ['errors.changed', 'tasks.changed', 'sessions.delta'], refreshSeconds: 30 });
  const [error, setError] = useState<string | null>(null);
  const healthColor = useHealthColor();
  const add = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const path = String(data.get('path') ?? '').trim();
    const name = String(data.get('name') ?? '').trim();
    window.architect.projects
      .add({ path, ...(name ? { name } : {}) })
      .then(() => (form.reset(), setError(null), list.reload()))
      .catch((err: unknown) => setError(errorMessage(err)));
  };
  return (
    <div className="page" data-testid="page-projects">
      <PageHeader title="Projects">
        <form className="inline-form" onSubmit={add}>
          <input name="path" required placeholder="/path/to/project folder" aria-label="Project folder" data-testid="project-path" />
          <input name="name" placeholder="name (optional)" aria-label="Project name" className="narrow" />
          <button type="submit" className="primary">
            Add folder
          </button>
        </form>
      </PageHeader>
      <ErrorNote error={list.error ?? error} />
      {list.value?.length === 0 && (
        <EmptyState title="No projects yet">
          <p>A project is a folder your agents work in. Add one above; Architect then counts its agents (panes whose folder is inside it), its open tasks, and its health.</p>
        </EmptyState>
      )}
      <div className="session-grid">
        {list.value?.map((p) => (
          <section key={p.id} className="card project-card" data-testid="project-card" style={{ borderLeftColor: healthColor(p.health) }}>
            <div className="session-card-head">
              <b>{p.name}</b>
              <span className="pill" style={{ color: healthColor(p.health), background: `color-mix(in srgb, ${healthColor(p.health)} 16%, transparent)` }}>
                {p.health}
              </span>
            </div>
            <div className="muted small ellipsis" title={p.path}>
              <code>{p.path}</code>
            </div>
            <p className="small" data-testid="project-reason">{p.healthReason}</p>
            <div className="muted small">
              {p.sessions} agents · {p.openTasks} open tasks · added <RelativeTime at={p.createdAt} />
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}
