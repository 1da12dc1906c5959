import { useEffect, useState } from 'react';
import { askPermission, permission, type Permission } from './browserNotifications';

/** The web console's desktop notifications: on, off, or a button to ask the browser (once). */
export function NotificationPermission() {
  const [web, setWeb] = useState<boolean | null>(null);
  const [state, setState] = useState<Permission>(permission());
  useEffect(() => {
    window.architect.app.info().then(
      (i) => setWeb(i.transport === 'websocket'),
      () => setWeb(false),
    );
  }, []);
  if (!web) return null;
  if (state === 'granted') return <span className="muted small" data-testid="notifications-permission">desktop notifications on</span>;
  if (state === 'denied') return <span className="muted small" data-testid="notifications-permission">desktop notifications blocked by the browser (site settings)</span>;
  if (state === 'unsupported') return <span className="muted small">this browser has no desktop notifications</span>;
  return (
    <button type="button" data-testid="notifications-permission" onClick={() => void askPermission().then(setState)}>
      Turn on desktop notifications
    </button>
  );
}
