import { useAttention } from '../attention/AttentionProvider';
import { useFleet } from '../data/fleet';
import { routeHref, type Page } from './route';

export const NAV: ReadonlyArray<{ page: Page; label: string; icon: string; key: string }> = [
  { page: 'overview', label: 'Overview', icon: '◧', key: 'g o' },
  { page: 'attention', label: 'Attention', icon: '◉', key: 'g i' },
  { page: 'sessions', label: 'Sessions', icon: '▣', key: 'g s' },
  { page: 'tasks', label: 'Tasks', icon: '☰', key: 'g t' },
  { page: 'workflows', label: 'Workflows', icon: '⇶', key: 'g w' },
  { page: 'errors', label: 'Errors', icon: '⚠', key: 'g e' },
  { page: 'projects', label: 'Projects', icon: '▤', key: 'g p' },
  { page: 'config', label: 'Config', icon: '⚙', key: 'g c' },
  { page: 'alerts', label: 'Alerts', icon: '⚑', key: 'g a' },
];

export function Sidebar({ current }: { current: Page }) {
  const { alerts } = useFleet();
  const { inbox, unread } = useAttention();
  // Sessions: how many need a look (unread); Attention: how many wait on a dialog.
  const counts: Partial<Record<Page, number>> = { alerts: alerts?.open ?? 0, sessions: unread.size, attention: inbox?.length ?? 0 };
  return (
    <nav className="sidebar" aria-label="Pages">
      <div className="brand">
        <span className="logo">◆</span> Architect
      </div>
      {NAV.map((item) => (
        <a key={item.page} href={routeHref(item.page)} className={item.page === current ? 'active' : ''} aria-current={item.page === current ? 'page' : undefined} data-testid={`nav-${item.page}`} title={`${item.label} (${item.key})`}>
          <span className="nav-icon" aria-hidden>
            {item.icon}
          </span>
          <span className="nav-label">{item.label}</span>
          {(counts[item.page] ?? 0) > 0 && (
            <span className="badge" data-testid={`nav-${item.page}-count`}>
              {counts[item.page]}
            </span>
          )}
        </a>
      ))}
      <div className="sidebar-foot muted small">
        <div>
          <kbd>Ctrl K</kbd> commands
        </div>
        <div>
          <kbd>?</kbd> shortcuts
        </div>
      </div>
    </nav>
  );
}
