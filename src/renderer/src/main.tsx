import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { ArchitectApi } from '../../shared/api';
import { createWebBridge, takeToken, type ConnectionState } from './bridge';
import { App } from './App';
import { askUiConfigEarly } from './data/uiConfig';
import { askOverviewEarly } from './overview/reads';
import { parseRoute } from './shell/route';
import './styles.css';

declare global {
  interface Window {
    architect: ArchitectApi;
  }
}

// In Electron the preload has already put `window.architect` in place; in a
// browser the WebSocket bridge provides the same object.
let onConnection: ((l: (s: ConnectionState) => void) => () => void) | null = null;
if (!('architect' in window)) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const bridge = createWebBridge(`${proto}//${location.host}/api`, takeToken());
  Object.defineProperty(window, 'architect', { value: bridge.api, writable: false });
  onConnection = bridge.onConnection;
}

// The first requests on the socket, before React mounts: the UI config (every view waits
// for it) and, when the page opens on the Overview, the panels' first reads beside it.
askUiConfigEarly();
if (parseRoute(location.hash).page === 'overview') askOverviewEarly();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App onConnection={onConnection} />
  </StrictMode>,
);
