import { useEffect, useState } from 'react';
import { appInfo } from '../data/appInfo';
import { askPermission, permission, shouldOffer, type Permission } from './browserNotifications';

/** The web console's desktop notifications: on, off, or a button to ask the browser (once). */
export function NotificationPermission() {
  const [web, setWeb] = useState<boolean | null>(null);
  const [state, setState] = useState<Permission>(permission());
  useEffect(() => {
    // The page's one app.info request (appInfo caches it).
    appInfo().then(
      (i) => setWeb(i.transport === 'websocket'),
      () => setWeb(false),
    );
  }, []);
  if (!web) return null;
  if (state === 'granted') return <span className="muted small" data-testid="notifications-permission">desktop notifications on</span>;
  if (state === 'denied') return <span className="muted small" data-testid="notifications-permission">desktop notifications blocked by the browser (site settings)</span>;
  if (state === 'unsupported') return <span className="muted small">this browser has no desktop notifications</span>;
  // Asked once already and the browser's prompt was dismissed: say so, and ask only when told to.
  const asked = !shouldOffer();
  return (
    <span className="muted small" data-testid="notifications-permission">
      {asked && 'desktop notifications off '}
      <button type="button" className={asked ? 'ghost' : ''} onClick={() => void askPermission().then(setState)}>
        {asked ? 'ask again' : 'Turn on desktop notifications'}
      </button>
    </span>
  );
}
