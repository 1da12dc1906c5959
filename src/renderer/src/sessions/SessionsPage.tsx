import { lazy, Suspense, useState } from 'react';
import { NoAgents, ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { agentSessions, bySeverity, useFleet } from '../data/fleet';
import { useRefreshing } from '../data/live';
import { SessionCard } from './SessionCard';
// xterm.js is loaded when a session is opened, not on the first paint.
const SessionView = lazy(() => import('./SessionView').then((m) => ({ default: m.SessionView })));

export function SessionsPage({ sessionId }: { sessionId: string | null }) {
  const { sessions, sessionsError } = useFleet();
  const [showAll, setShowAll] = useState(false);
  const titles = useTaskTitles((sessions ?? []).map((s) => s.currentTaskId));
  if (sessionId) {
    return (
      <Suspense fallback={<div className="page muted">Opening the terminal…</div>}>
        <SessionView sessionId={sessionId} />
      </Suspense>
    );
  }
  const agents = agentSessions(sessions);
  const shown = (showAll ? [...(sessions ?? [])] : agents).sort(bySeverity);
  return (
    <div className="page" data-testid="page-sessions">
      <PageHeader title={<>Sessions {sessions && <span className="muted small">{agents.length} agents in {sessions.length} panes</span>}</>}>
        <label className="check">
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> show panes without an agent
        </label>
      </PageHeader>
      <ErrorNote error={sessionsError} />
      {sessions && agents.length === 0 && !showAll && <NoAgents />}
      <div className="session-grid">
        {shown.map((s) => (
          <SessionCard key={s.id} session={s} taskTitle={s.currentTaskId !== null ? titles.get(s.currentTaskId) : null} />
        ))}
      </div>
    </div>
  );
}

/** Titles of the tasks the sessions hold, loaded when that set changes (a handful of ids). */
function useTaskTitles(ids: Array<number | null>): Map<number, string> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))].sort((a, b) => a - b);
  const loaded = useRefreshing(
    async () => {
      // One missing task (deleted meanwhile) must not hide the others' titles.
      const rows = await Promise.all(wanted.map((id) => window.architect.tasks.get({ id }).then((r) => [id, r.task.title] as const, () => null)));
      return new Map(rows.filter((r) => r !== null));
    },
    { key: wanted.join(',') },
  );
  return loaded.value ?? new Map();
}
