import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startCore, type Core } from '../../../src/main/core.js';
import { createLogger } from '../../../src/main/log/logger.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { rendererDir } from '../../../src/main/web.js';
import { startWebServer, type WebServer } from '../../../src/main/web/server.js';
import { launchBrowser } from './browser.js';
import { PrivateTmux } from '../../support/tmux.js';

// The real console for a browser test: a temp copy of config/, a temp SQLite
// file, a private tmux server, the real core and the real web transport, and
// a real Chromium on the login URL (test/support/chromium.ts).

export interface ConsoleUnderTest {
  dir: string;
  configDir: string;
  dbPath: string;
  tmux: PrivateTmux;
  core: Core;
  server: WebServer;
  browser: Browser;
  /** Opens a page on the console (light or dark), already logged in. */
  /** A new browser context and page on the console, logged in; `beforeGoto` sees the page before it navigates (to listen to its requests). */
  open(opts?: { colorScheme?: 'light' | 'dark'; width?: number; height?: number; hash?: string; beforeGoto?: (page: Page) => void }): Promise<Page>;
  /** The store on the same file, for seeding and checking (a second connection). */
  store(): Store;
  stop(): Promise<void>;
}

export const SCREENSHOTS = path.resolve('docs/screenshots');

export async function startConsole(opts: { seed?(store: Store, dir: string, tmux: PrivateTmux): void; beforeCore?(c: { configDir: string; tmux: PrivateTmux; dir: string }): void } = {}): Promise<ConsoleUnderTest> {
  if (!fs.existsSync(path.join(rendererDir(), 'index.html'))) throw new Error('out/renderer is missing: run `npm run build` first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-e2e-'));
  const configDir = path.join(dir, 'config');
  const dbPath = path.join(dir, 'architect.db');
  const tmux = new PrivateTmux();
  const log = createLogger({ level: 'warn', console: null });
  let store: Store | null = null;
  const getStore = (): Store => (store ??= openStore({ path: dbPath, logger: log }));
  let core: Core | null = null;
  let server: WebServer | null = null;
  let chromium: Awaited<ReturnType<typeof launchBrowser>> | null = null;
  // Whatever was started so far, in reverse: also when the set-up fails half-way
  // (a browser that will not launch must not leave the fleet and the core running).
  const stop = async (): Promise<void> => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await core?.stop().catch(() => undefined);
    store?.close();
    tmux.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    fs.cpSync(path.resolve('config'), configDir, { recursive: true, filter: (src) => !src.includes(`${path.sep}local${path.sep}`) });
    if (opts.seed) opts.seed(getStore(), dir, tmux);
    opts.beforeCore?.({ configDir, tmux, dir });
    core = await startCore({
      configDir,
      dbPath,
      dataDir: dir,
      env: null,
      tmuxSockets: [tmux.socket],
      log,
      runtime: 'node',
      transport: 'websocket',
      watchDefaultTmux: false,
    });
    server = await startWebServer({ handlers: core.handlers, bus: core.bus, log, port: 0, rendererDir: rendererDir(), routes: core.routes });
    chromium = await launchBrowser();
  } catch (err) {
    await stop();
    throw err;
  }
  const { browser } = chromium;
  const { loginUrl } = server;
  return {
    dir,
    configDir,
    dbPath,
    tmux,
    core,
    server,
    browser,
    store: getStore,
    async open({ colorScheme = 'light', width = 1280, height = 800, hash = '', beforeGoto } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme });
      const page = await context.newPage();
      beforeGoto?.(page);
      page.on('pageerror', (err) => console.error('page error:', err.message));
      await page.goto(loginUrl + (hash ? `#${hash.replace(/^#/, '')}` : ''));
      await page.waitForSelector('[data-testid="connection"]:has-text("live")');
      return page;
    },
    stop,
  };
}

/**
 * Photographs the page as it is, light and dark, into `docs/screenshots/NAME-*.png`
 * — under `npm run screenshots` only (ARCHITECT_SCREENSHOTS): `npm test` must not
 * rewrite files the repository tracks.
 */
export async function screenshotBoth(page: Page, name: string): Promise<void> {
  if (!process.env.ARCHITECT_SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${colorScheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
