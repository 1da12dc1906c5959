import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotBoth, startConsole, type ConsoleUnderTest } from './support/console.js';

// The workflow engine through the console: `maintenance` (config/base/workflows.yaml)
// needs no agent, so it runs to its end; the page follows it by `workflows.changed`.

const FINAL = ['completed', 'failed', 'cancelled', 'rolled_back'];
let c: ConsoleUnderTest;
let page: Page;

describe('workflows page', () => {
  beforeAll(async () => {
    c = await startConsole({
      seed: (store) => {
        // Work for the maintenance queries to find: one urgent task waiting, one failed.
        store.tasks.add({ type: 'bug_fix', title: 'Urgent and waiting', prompt: 'x', priority: 9 });
        const failed = store.tasks.add({ type: 'infrastructure', title: 'Broke', prompt: 'x', priority: 3 });
        store.writer.prepare(`UPDATE tasks SET status = 'failed' WHERE id = ?`).run(failed.id);
      },
    });
    page = await c.open({ hash: '#/workflows', width: 1366, height: 820 });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('lists the workflows of workflows.yaml', async () => {
    const { workflows } = await c.core.handlers['workflows.list']({});
    await page.waitForSelector('[data-testid="start-maintenance"]');
    expect(await page.locator('[data-testid="workflow"]').count()).toBe(workflows.length);
  });

  it('starts maintenance, follows the run to its end and shows its steps', async () => {
    // A marker on the page: still there at the end means nothing was reloaded.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await page.click('[data-testid="start-maintenance"]');
    await page.waitForSelector('[data-testid="start-workflow"][open]');
    await page.click('[data-testid="start-run"]');
    await page.waitForURL(/#\/workflows\/\d+$/);
    const id = Number(/#\/workflows\/(\d+)$/.exec(page.url())?.[1]);
    const status = page.locator('[data-testid="run-status"]');
    await page.waitForFunction((final) => final.includes(document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') ?? ''), FINAL);
    const { run, steps } = await c.core.handlers['workflows.getRun']({ id });
    expect(run).toMatchObject({ workflow: 'maintenance', status: 'completed', error: null });
    expect(await status.getAttribute('data-status')).toBe('completed');
    // Every step the engine recorded, in order, with its status.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-step"]').length === n, steps.length);
    const shown = await page.$$eval('[data-testid="run-step"]', (rows) => rows.map((r) => `${r.getAttribute('data-step')}:${r.getAttribute('data-status')}`));
    expect(shown).toEqual(steps.map((s) => `${s.step}:${s.status}`));
    expect(shown).toContain('in_progress:completed');
    expect(shown).toContain('failed_recently:completed');
    await screenshotBoth(page, 'workflow-run');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
  });

  it('shows a run started elsewhere appear and end, live', async () => {
    await page.click('[data-testid="page-run"] a[href="#/workflows"]');
    await page.waitForSelector('[data-testid="workflow-run"][data-status="completed"]');
    const before = await page.locator('[data-testid="workflow-run"]').count();
    const { runId } = await c.core.handlers['workflows.start']({ name: 'maintenance', input: {} });
    await page.waitForSelector(`[data-testid="workflow-run"][data-run-id="${runId}"][data-status="completed"]`);
    expect(await page.locator('[data-testid="workflow-run"]').count()).toBe(before + 1);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    await screenshotBoth(page, 'workflows');
  });
});
