import { useEffect, useState } from 'react';
import type { Alert } from '../../../shared/api';
import { useFleet } from '../data/fleet';
import { errorMessage } from '../data/format';
import { routeHref } from '../shell/route';

/** Toasts stay this long: enough to read a sentence, short enough not to pile up. */
const TOAST_MS = 8000;

export async function acknowledge(id: number): Promise<void> {
  await window.architect.alerts.ack({ id });
}

/** The newest open alert across the top of every page, until someone acknowledges it. */
export function AlertBanner() {
  const { alerts } = useFleet();
  const [error, setError] = useState<string | null>(null);
  const latest = alerts?.latest;
  if (!alerts || alerts.open === 0 || !latest || latest.acknowledgedAt) return null;
  return (
    <div className={`banner level-${latest.level}`} role="alert" data-testid="alert-banner">
      <span className="banner-icon">⚑</span>
      <span className="banner-text">
        <b>{latest.level === 'critical' ? 'Critical' : 'Alert'}:</b> {latest.message}
        {latest.taskId !== null && (
          <>
            {' '}
            · <a href={routeHref('tasks', latest.taskId)}>task #{latest.taskId}</a>
          </>
        )}
        {alerts.open > 1 && (
          <>
            {' '}
            · <a href={routeHref('alerts')}>{alerts.open - 1} more</a>
          </>
        )}
        {error && <span className="error"> {error}</span>}
      </span>
      <button type="button" data-testid="alert-ack" onClick={() => acknowledge(latest.id).then(() => setError(null), (e: unknown) => setError(errorMessage(e)))}>
        Acknowledge
      </button>
    </div>
  );
}

/** A toast for each alert as it is raised. */
export function AlertToasts() {
  const [toasts, setToasts] = useState<Alert[]>([]);
  useEffect(
    () =>
      window.architect.on('alerts.changed', ({ latest }) => {
        if (!latest || latest.acknowledgedAt) return;
        setToasts((list) => (list.some((t) => t.id === latest.id) ? list : [...list.slice(-3), latest]));
        setTimeout(() => setToasts((list) => list.filter((t) => t.id !== latest.id)), TOAST_MS);
      }),
    [],
  );
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast level-${t.level}`} data-testid="alert-toast">
          <b>{t.kind.replace(/_/g, ' ')}</b>
          <span>{t.message}</span>
          <button type="button" className="icon" aria-label="Dismiss" onClick={() => setToasts((l) => l.filter((x) => x.id !== t.id))}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
