import type { BrowserWindow as BrowserWindowType, BrowserWindowConstructorOptions, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../web/static.js';

/** Smallest window the layout is designed for. */
export const MIN_WIDTH = 1024;
export const MIN_HEIGHT = 700;

/** The only window options the console uses: isolated, sandboxed, no Node in the page. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    title: 'Architect',
    show: false,
    backgroundColor: '#0f1115',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  };
}

/** Blocks navigation away from our page, new windows and permission prompts. */
export function lockDown(contents: WebContents, isOwnUrl: (url: string) => boolean): void {
  contents.on('will-navigate', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

/** Windows this process created; IPC is accepted from their main frames only. */
export class TrustedWindows {
  private readonly ids = new Set<number>();

  add(win: BrowserWindowType): void {
    const id = win.webContents.id;
    this.ids.add(id);
    win.on('closed', () => this.ids.delete(id));
  }

  /** GitHub Desktop's rule: the sender is one of our windows, and it is the top frame. */
  isTrusted(sender: { id: number }, senderFrame: { parent: unknown; url?: string } | null, isOwnUrl: (url: string) => boolean): boolean {
    if (!this.ids.has(sender.id)) return false;
    if (!senderFrame || senderFrame.parent !== null) return false;
    return senderFrame.url === undefined || isOwnUrl(senderFrame.url);
  }

  all(): number[] {
    return [...this.ids];
  }
}
