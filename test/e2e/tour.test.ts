import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoFleet, type DemoFleet } from '../../src/main/demo/fleet.js';
import { seedDemo } from '../../src/main/demo/seed.js';
import { chromiumAvailable } from '../support/chromium.js';
import { screenshotBoth, startConsole, type ConsoleUnderTest } from './support/console.js';

// A walk through every page against the demo fleet, saving light and dark
// screenshots for docs/screenshots and checking each page shows its live data.

let c: ConsoleUnderTest;
let fleet: DemoFleet;
let page: Page;

describe.skipIf(!chromiumAvailable())('console tour (demo fleet)', () => {
  beforeAll(async () => {
    c = await startConsole({
      seed: (store, dir) => seedDemo(store, { projectDir: path.join(dir, 'demo-project') }),
      beforeCore: ({ tmux, dir }) => {
        fleet = startDemoFleet({ dir, socket: tmux.socket });
      },
    });
    page = await c.open({ width: 1366, height: 820 });
  });
  afterAll(async () => {
    await c?.stop();
    fleet?.stop();
  });

  it('overview: fleet status, stats, panels and charts', async () => {
    await page.waitForSelector('[data-testid="overview-session"]');
    await page.waitForSelector('[data-testid="stat-pending_tasks"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="fleet-agents"]')?.textContent) === 5);
    await page.waitForSelector('[data-testid="timeline-row"]');
    await page.setViewportSize({ width: 1366, height: 1100 });
    await screenshotBoth(page, 'overview');
    await page.setViewportSize({ width: 1366, height: 820 });
  });

  it('sessions: a card per agent, with every state the fleet shows', async () => {
    await page.click('[data-testid="nav-sessions"]');
    await page.waitForSelector('[data-testid="session-card"][data-session="architect"][data-state="waiting"]');
    expect(await page.locator('[data-testid="session-card"]').count()).toBe(5);
    await screenshotBoth(page, 'sessions');
  });

  it('session view: live terminal and history', async () => {
    await page.click('[data-testid="session-card"][data-session="architect"]');
    await page.waitForSelector('[data-testid="terminal-status"]:has-text("live")');
    await page.waitForFunction(() => document.querySelector('[data-testid="terminal"]')?.textContent?.includes('Do you want to proceed?'));
    await screenshotBoth(page, 'session');
  });

  it('tasks: table with SLA bars and a task view', async () => {
    await page.click('[data-testid="nav-tasks"]');
    await page.waitForSelector('[data-testid="task-row"]');
    await screenshotBoth(page, 'tasks');
    await page.locator('[data-testid="task-row"]').first().click();
    await page.waitForSelector('[data-testid="task-title"]');
    await screenshotBoth(page, 'task');
    await page.keyboard.press('Escape');
  });

  it('workflows, errors, projects, alerts', async () => {
    for (const name of ['workflows', 'errors', 'projects', 'alerts'] as const) {
      await page.click(`[data-testid="nav-${name}"]`);
      await page.waitForSelector(`[data-testid="page-${name}"]`);
      await page.waitForTimeout(300);
      await screenshotBoth(page, name);
    }
    await page.click('[data-testid="nav-projects"]');
    await page.waitForSelector('[data-testid="project-card"]:has-text("demo-project")');
    await page.fill('[data-testid="project-path"]', c.dir);
    await page.click('[data-testid="page-projects"] button[type="submit"]');
    await page.waitForSelector(`[data-testid="project-card"]:has-text("${c.dir}")`);
  });

  it('errors: resolve one', async () => {
    await page.click('[data-testid="nav-errors"]');
    const row = page.locator('[data-testid="error-row"]', { hasText: 'Quota exceeded' });
    await row.waitFor();
    await row.locator('[data-testid="error-resolve"]').click();
    await row.waitFor({ state: 'detached' });
    const resolved = c.store().reader.prepare(`SELECT resolved FROM errors WHERE message LIKE '%Quota exceeded%'`).pluck().get();
    expect(resolved).toBe(1);
  });

  it('config editor and the palette', async () => {
    await page.click('[data-testid="nav-config"]');
    await page.waitForSelector('.cm-content');
    await screenshotBoth(page, 'config');
    await page.keyboard.press('Control+k');
    await page.waitForSelector('[data-testid="palette"]');
    await page.keyboard.type('archi');
    await screenshotBoth(page, 'palette');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="page-session"]');
    await page.click('[data-testid="nav-overview"]');
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid="shortcuts"][open]');
    await screenshotBoth(page, 'shortcuts');
    await page.keyboard.press('Escape');
    // `g t` goes to Tasks.
    await page.keyboard.press('g');
    await page.keyboard.press('t');
    await page.waitForSelector('[data-testid="page-tasks"]');
    // `n` opens the new-task dialog, twice in a row.
    for (let i = 0; i < 2; i++) {
      await page.keyboard.press('n');
      await page.waitForSelector('[data-testid="new-task-dialog"][open]');
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-testid="new-task-dialog"]:not([open])', { state: 'attached' });
    }
  });

  it('is usable at 1024×700', async () => {
    const small = await c.open({ width: 1024, height: 700 });
    await small.waitForSelector('[data-testid="overview-session"]');
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshotBoth(small, 'overview-1024');
    await small.context().close();
  });
});
