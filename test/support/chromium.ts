import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium, driven by playwright-core. Never `npx playwright install`.
export const CHROMIUM = process.env.ARCHITECT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Browser tests run wherever Chromium is installed. In CI they always run: a
 * missing browser there must fail the suite, not skip it quietly.
 */
export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM) || process.env.CI === 'true';
}

/** launch() gives each browser a throw-away profile of its own. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  return { browser, close: () => browser.close() };
}
