import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import type { ConnectionState } from './bridge';
import { AlertBanner, AlertToasts } from './alerts/AlertBanner';
import { AlertsPage } from './alerts/AlertsPage';
import { AttentionPage } from './attention/AttentionPage';
import { AttentionProvider } from './attention/AttentionProvider';
import { useReadOnly } from './data/appInfo';
import { ConnectionEpoch } from './data/live';
import { FleetProvider } from './data/fleet';
import { UiConfigProvider } from './data/uiConfig';
import { ErrorsPage } from './errors/ErrorsPage';
import { Overview } from './overview/Overview';
import { ProjectsPage } from './projects/ProjectsPage';
import { SessionsPage } from './sessions/SessionsPage';
import { CommandPalette } from './shell/CommandPalette';
import { FleetStatus } from './shell/FleetStatus';
import { useRoute, type Route } from './shell/route';
import { ShortcutsHelp } from './shell/ShortcutsHelp';
import { useGlobalShortcuts } from './shell/shortcuts';
import { Sidebar } from './shell/Sidebar';
import { TasksPage } from './tasks/TasksPage';
import { WorkflowsPage } from './workflows/WorkflowsPage';

// CodeMirror is loaded with the Config page, not on the first paint.
const ConfigPage = lazy(() => import('./config/ConfigPage').then((m) => ({ default: m.ConfigPage })));

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  open: 'live',
  connecting: 'connecting…',
  closed: 'disconnected, retrying',
  'no-token': 'not logged in: open the URL `architect serve` printed',
};

interface Props {
  onConnection: ((l: (s: ConnectionState) => void) => () => void) | null;
}

export function App({ onConnection }: Props) {
  const [connection, setConnection] = useState<ConnectionState>('open');
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    if (!onConnection) return;
    let first = true;
    return onConnection((s) => {
      setConnection(s);
      // Reload everything after a reconnect (not on the first open: views load then anyway).
      if (s === 'open' && !first) setEpoch((n) => n + 1);
      if (s === 'open') first = false;
    });
  }, [onConnection]);

  const route = useRoute();
  const readOnly = useReadOnly();
  const [palette, setPalette] = useState(false);
  const [help, setHelp] = useState(false);
  const actions = useMemo(() => ({ openPalette: () => setPalette(true), openHelp: () => setHelp(true) }), []);
  useGlobalShortcuts(actions);

  return (
    <ConnectionEpoch.Provider value={epoch}>
      <UiConfigProvider>
        <FleetProvider><AttentionProvider>
          <div className="app">
            <Sidebar current={route.page} />
            <div className="main">
              <header className="topbar">
                <FleetStatus />
                <div className="topbar-right">
                  <button type="button" className="ghost" onClick={() => setPalette(true)} title="Command palette (Ctrl+K)">
                    Search or jump to… <kbd>Ctrl K</kbd>
                  </button>
                  <button type="button" className="ghost" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
                    ?
                  </button>
                  {readOnly && (
                    <span className="pill" data-testid="read-only" title="Started with --read-only: nothing can be changed from this console">
                      read-only
                    </span>
                  )}
                  <span className={`conn conn-${connection}`} data-testid="connection">
                    {CONNECTION_TEXT[connection]}
                  </span>
                </div>
              </header>
              <AlertBanner />
              <main className="content">
                <CurrentPage route={route} />
              </main>
            </div>
          </div>
          <AlertToasts />
          <CommandPalette open={palette} onClose={() => setPalette(false)} />
          <ShortcutsHelp open={help} onClose={() => setHelp(false)} />
        </AttentionProvider></FleetProvider>
      </UiConfigProvider>
    </ConnectionEpoch.Provider>
  );
}

function CurrentPage({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <Overview />;
    case 'sessions':
      return <SessionsPage sessionId={route.id} />;
    case 'tasks':
      return <TasksPage taskId={route.id} />;
    case 'workflows':
      return <WorkflowsPage runId={route.id} />;
    case 'errors':
      return <ErrorsPage />;
    case 'projects':
      return <ProjectsPage />;
    case 'config':
      return (
        <Suspense fallback={<div className="page muted">Loading the editor…</div>}>
          <ConfigPage path={route.id} />
        </Suspense>
      );
    case 'alerts':
      return <AlertsPage />;
    case 'attention':
      return <AttentionPage />;
  }
}
