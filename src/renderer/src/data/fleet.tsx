import { createContext, useContext, type ReactNode } from 'react';
import type { Alert, Session, TaskCounts } from '../../../shared/api';
import { useLive, useRefreshing } from './live';
import { applySessionDelta } from '../../../shared/session-delta';

// What the whole console shows at once (header, sessions, overview): kept once,
// live from events, instead of each view subscribing on its own.

export interface Fleet {
  sessions: Session[] | null;
  sessionsError: string | null;
  tasks: { total: number; counts: TaskCounts } | null;
  alerts: { open: number; latest: Alert | null } | null;
}

const FleetContext = createContext<Fleet>({ sessions: null, sessionsError: null, tasks: null, alerts: null });

export function FleetProvider({ children }: { children: ReactNode }) {
  // The queue's counts before the session list: the console answers in the order asked,
  // and the list is the largest answer of the page's first requests (860 KB on the
  // console bench, whose fake agents have 400-word command lines).
  const tasks = useLive(
    async () => {
      const r = await window.architect.tasks.list({ limit: 1 });
      return { total: r.total, counts: r.counts };
    },
    'tasks.changed',
    (p) => p,
  );
  // The list once, then only what changed (sessions.delta), not every session on every change.
  const sessions = useLive(async () => (await window.architect.sessions.list()).sessions, 'sessions.delta', (p, prev) => applySessionDelta(prev, p));
  // Reloaded rather than taken from the event: after an acknowledgement the event
  // carries no `latest`, and the banner must show the next open alert, if any.
  const alerts = useRefreshing(
    async () => {
      const r = await window.architect.alerts.list({ includeAcknowledged: false, limit: 100 });
      return { open: r.alerts.length, latest: r.alerts[0] ?? null };
    },
    { events: ['alerts.changed'] },
  );
  return (
    <FleetContext.Provider value={{ sessions: sessions.value, sessionsError: sessions.error, tasks: tasks.value, alerts: alerts.value }}>
      {children}
    </FleetContext.Provider>
  );
}

export function useFleet(): Fleet {
  return useContext(FleetContext);
}

/** Panes running an agent (not plain shells or other programs). */
export function agentSessions(sessions: Session[] | null): Session[] {
  return (sessions ?? []).filter((s) => s.agent !== 'shell' && s.agent !== 'other');
}

export const STATE_ORDER = ['waiting', 'error', 'working', 'idle', 'unknown', 'exited'] as const;

export function bySeverity(a: Session, b: Session): number {
  return STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || a.name.localeCompare(b.name);
}
