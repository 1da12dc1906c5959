import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoFleet, type DemoFleet } from '../../src/main/demo/fleet.js';
import { seedDemo } from '../../src/main/demo/seed.js';
import { screenshotBoth, startConsole, type ConsoleUnderTest } from './support/console.js';

// A walk through every page against the demo fleet, saving light and dark
// screenshots for docs/screenshots and checking each page shows its live data.

let c: ConsoleUnderTest;
let fleet: DemoFleet;
let page: Page;

describe('console tour (demo fleet)', () => {
  beforeAll(async () => {
    c = await startConsole({
      // As `architect demo` does: the fleet first, then the seed gives its panes a past.
      seed: (store, dir, tmux) => {
        fleet = startDemoFleet({ dir, socket: tmux.socket });
        seedDemo(store, { projectDir: path.join(dir, 'demo-project'), panes: fleet.panes() });
      },
    });
    page = await c.open({ width: 1366, height: 820 });
    // A step that hangs fails by its own name (the selector it waited for), well inside the test's time.
    page.setDefaultTimeout(20_000);
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
    // The seeded past: every agent's strip has several states, the first hours included.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="timeline-row"] svg')].every((svg) => svg.querySelectorAll('rect').length > 5));
    await page.setViewportSize({ width: 1366, height: 1100 });
    await screenshotBoth(page, 'overview');
    await page.setViewportSize({ width: 1366, height: 820 });
  });

  it('sessions: a card per agent, with every state the fleet shows', async () => {
    await page.click('[data-testid="nav-sessions"]');
    await page.waitForSelector('[data-testid="session-card"][data-session="architect"][data-state="waiting"]');
    expect(await page.locator('[data-testid="session-card"]').count()).toBe(5);
    // The task the queue says dev_worker2 holds, with its title, and every agent's last line.
    await page.waitForSelector('[data-session="dev_worker2"] [data-testid="session-task"]:has-text("Speed up the dashboard query")');
    const { sessions } = await c.core.handlers['sessions.list']({});
    const architect = sessions.find((s) => s.name === 'architect');
    expect(architect?.lastLine).toBeTruthy();
    await page.waitForFunction(
      (line) => document.querySelector('[data-session="architect"] [data-testid="session-last-line"]')?.textContent === line,
      architect?.lastLine ?? '',
    );
    await screenshotBoth(page, 'sessions');
    await page.click('[data-session="dev_worker2"] [data-testid="session-task"]');
    await page.waitForSelector('[data-testid="task-title"]:has-text("Speed up the dashboard query")');
    await page.goBack();
    await page.waitForSelector('[data-testid="page-sessions"]');
  });

  it('session view: live terminal and history', async () => {
    await page.click('[data-testid="session-card"][data-session="architect"] .card-link');
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
      // workflows.test.ts saves the Workflows page with runs in it.
      if (name !== 'workflows') await screenshotBoth(page, name);
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
    await page.click('[data-testid="config-file"]:has-text("sla_rules.yaml")');
    await page.waitForSelector('.cm-content:has-text("escalation_rules")');
    // Completion from the file's JSON Schema: the keys an escalation rule may still take.
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\n  - condition: "priority >= 9"\n    ');
    // The new line mid-screen (the editor scrolls past the end), the list below it.
    await page.$eval('.cm-scroller', (el) => el.scrollBy(0, 280));
    await page.keyboard.press('Control+Space');
    const labels = (): Promise<string[]> => page.$$eval('.cm-tooltip-autocomplete li .cm-completionLabel', (ls) => ls.map((l) => l.textContent ?? ''));
    await page.waitForSelector('.cm-tooltip-autocomplete');
    expect(await labels()).toEqual(['action', 'notification_channels', 'color', 'to_session', 'message']);
    await screenshotBoth(page, 'config');
    // Accept `action`, then its enum values. CodeMirror ignores an accept within 75 ms of
    // the list opening (its interactionDelay, against accidental picks): a person is slower.
    await page.waitForTimeout(150);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.cm-tooltip-autocomplete', { state: 'detached' });
    await page.keyboard.press('Control+Space');
    await page.waitForFunction(() => document.querySelector('.cm-tooltip-autocomplete')?.textContent?.includes('highlight_task'));
    expect(await labels()).toEqual(['alert_user', 'highlight_task', 'reassign']);
    await page.keyboard.press('Escape');
    await page.click('.file-editor button:has-text("Discard")');
    await page.waitForSelector('[data-testid="config-dirty"]', { state: 'detached' });
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
  }, 90_000);

  it('is usable at 1024×700', async () => {
    const small = await c.open({ width: 1024, height: 700 });
    await small.waitForSelector('[data-testid="overview-session"]');
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshotBoth(small, 'overview-1024');
    await small.context().close();
  });
});
