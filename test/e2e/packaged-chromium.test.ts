import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchChromium, unpackPackagedChromium } from '../support/chromium.js';
import { startTestConsole } from '../integration/web/console.js';

// The browser `npm test` falls back to where the machine has none: the Chromium
// inside the @sparticuz/chromium package. Checked on every machine, also where a
// system Chromium runs the other browser tests, so the fallback cannot rot unseen.

describe('the packaged Chromium', () => {
  it('unpacks once into node_modules/.cache, and a second call reuses it', () => {
    const exe = unpackPackagedChromium();
    expect(exe).toMatch(new RegExp(`node_modules\\${path.sep}\\.cache\\${path.sep}architect\\${path.sep}chromium-[\\d.]+\\${path.sep}chromium$`));
    const unpackedAt = fs.statSync(exe).mtimeMs;
    expect(unpackPackagedChromium()).toBe(exe);
    expect(fs.statSync(exe).mtimeMs).toBe(unpackedAt);
    // Nothing half-unpacked is left beside it.
    expect(fs.readdirSync(path.dirname(path.dirname(exe))).filter((f) => f.includes('.staging-'))).toEqual([]);
  });

  it('renders the real console', async () => {
    const c = await startTestConsole({ page: 'built' });
    const chromium = await launchChromium(unpackPackagedChromium()).catch(async (err: unknown) => {
      await c.stop();
      throw err;
    });
    try {
      const page = await chromium.browser.newPage();
      await page.goto(c.server.loginUrl);
      await page.waitForSelector('[data-testid="connection"]:has-text("live")');
      expect(await page.title()).toBe('Architect');
    } finally {
      await chromium.close();
      await c.stop();
    }
  });
});
