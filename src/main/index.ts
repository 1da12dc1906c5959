// The Electron composition root: a thin onReady that starts the core, opens the
// window and connects the two. Everything else runs under plain Node (src/main/*).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Notification, shell } from 'electron';
import { startCore, type Core } from './core.js';
import { createLogger } from './log/logger.js';
import { logStrayRejections } from './log/stray-rejections.js';
import { desktopOptions } from './console-db.js';
import { electronNativeBinding } from './paths.js';
import { mainWindowOptions, lockDown, TrustedWindows } from './electron/window.js';
import { registerIpcHandlers, forwardEvents } from './electron/ipc.js';
import { keepHttpServices } from './web/services.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL; // set by `electron-vite dev`
const rendererFile = path.join(here, '../renderer/index.html');
const isOwnUrl = (url: string): boolean =>
  rendererUrl ? url.startsWith(rendererUrl) : url.startsWith('file://') && decodeURIComponent(new URL(url).pathname) === rendererFile;

/** The first window, brought to the front (a notification was clicked). */
function focusWindow(): void {
  const win = BrowserWindow.getAllWindows()[0];
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

async function onReady(): Promise<void> {
  // The database as `architect serve` takes it: --db FILE|URL on the command line, or
  // ARCHITECT_DB / ARCHITECT_DB_URL; on a shared queue (postgres://…) this console keeps
  // its own state in console.db of its data folder. A bad value is shown, never guessed.
  let options: ReturnType<typeof desktopOptions>;
  try {
    options = desktopOptions(process.argv.slice(1));
  } catch (err) {
    dialog.showErrorBox('Architect', (err as Error).message);
    app.exit(2);
    return;
  }
  const { dataDir } = options;
  let started: Core | null = null;
  const log = createLogger({ level: 'info', file: path.join(dataDir, 'logs', 'architect.jsonl') });
  logStrayRejections(log);
  const core = await startCore({
    ...options,
    log,
    runtime: 'electron',
    nativeBinding: electronNativeBinding(),
    transport: 'ipc',
    // A click opens what the notification is about (the renderer navigates on attention.open).
    notify: (title, body, target) => {
      if (!Notification.isSupported()) return;
      const n = new Notification({ title, body });
      n.on('click', () => {
        focusWindow();
        if (target && (target.sessionId || target.taskId !== null)) started?.bus.emit('attention.open', target);
      });
      n.show();
    },
  });
  started = core;
  // The HTTP services (queries, routing, metrics, workflow triggers) as servers.yaml's
  // `http` says (or ARCHITECT_HTTP_PORT); off by default in the desktop app, followed live.
  const services = keepHttpServices(core, {
    dataDir,
    log,
    onError: (message) => dialog.showErrorBox('Architect', message.replace(/^t/, 'T')),
  });
  await services.ready;
  // The dock (macOS) or launcher (Linux) badge counts the sessions that need a look.
  const offBadge = core.bus.on('attention.changed', ({ unread }) => app.setBadgeCount(unread));

  const trusted = new TrustedWindows();
  const stopIpc = registerIpcHandlers(ipcMain, core.handlers, (e) => trusted.isTrusted(e.sender, e.senderFrame, isOwnUrl), log);
  const stopEvents = forwardEvents(core.bus, () => BrowserWindow.getAllWindows().map((w) => w.webContents));

  const openWindow = (): void => {
    const win = new BrowserWindow(mainWindowOptions(path.join(here, '../preload/index.cjs')));
    trusted.add(win);
    lockDown(win.webContents, isOwnUrl);
    win.once('ready-to-show', () => win.show());
    if (rendererUrl) void win.loadURL(rendererUrl);
    else void win.loadFile(rendererFile);
  };
  openWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  app.on('before-quit', () => {
    offBadge();
    stopEvents();
    stopIpc();
    void services.stop().finally(() => void core.stop());
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
void app.whenReady().then(onReady);
