import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase } from '../../src/main/store/seed.js';
import { ROW_HEIGHT } from '../../src/renderer/src/tasks/TaskTable.js';
import { startConsole, type ConsoleUnderTest } from './support/console.js';

// The tasks table on 100,000 tasks: the server sorts, searches, filters and pages;
// the page keeps only the rows in view.

const TASKS = 100_000;
let c: ConsoleUnderTest;
let page: Page;

const firstIds = (n: number): Promise<number[]> =>
  page.$$eval('[data-testid="task-row"]', (rows, count) => rows.slice(0, count).map((r) => Number(r.getAttribute('data-task-id'))), n);
const statuses = (): Promise<string[]> => page.$$eval('[data-testid="task-row"] [data-field="status"]', (cells) => cells.map((c) => c.textContent?.trim().replace(' ', '_') ?? ''));

describe('tasks table, 100k rows', () => {
  beforeAll(async () => {
    c = await startConsole({ seed: (store) => void seedDatabase(store, { tasks: TASKS, sessions: 0, seed: 7 }) });
    page = await c.open({ hash: '#/tasks', height: 900 });
    await page.waitForSelector('[data-testid="task-row"]');
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('renders 100,000 tasks with only the visible rows in the page', async () => {
    await page.waitForSelector('[data-testid="tasks-total"]:has-text("100,000")');
    const rendered = await page.locator('[data-testid="tasks-scroller"] [role="row"]').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(100);
  });

  it('follows default_sort (priority desc), then sorts by a header', async () => {
    const priorities = await page.$$eval('[data-testid="task-row"] [data-field="priority"]', (cells) => cells.map((c) => Number(c.textContent)));
    expect(priorities.length).toBeGreaterThan(10);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));

    await page.click('[data-testid="sort-id"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-row"]')?.getAttribute('data-task-id') === '100000');
    expect(await firstIds(3)).toEqual([100000, 99999, 99998]);
    await page.click('[data-testid="sort-id"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-row"]')?.getAttribute('data-task-id') === '1');
    expect(await firstIds(3)).toEqual([1, 2, 3]);
  });

  it('scrolls to the middle and fetches that window of rows', async () => {
    const middle = 50_000;
    await page.$eval('[data-testid="tasks-scroller"]', (el, y) => (el.scrollTop = y), middle * ROW_HEIGHT);
    await page.waitForFunction((id) => !!document.querySelector(`[data-testid="task-row"][data-task-id="${id}"]`), middle + 1);
    expect(await page.textContent('[data-testid="tasks-range"]')).toMatch(/Rows 4\d,\d{3}–5\d,\d{3} of 100,000/);
    const rendered = await page.locator('[data-testid="tasks-scroller"] [role="row"]').count();
    expect(rendered).toBeLessThan(100);
    // Back to the top: the first rows are there again.
    await page.$eval('[data-testid="tasks-scroller"]', (el) => (el.scrollTop = 0));
    await page.waitForSelector('[data-testid="task-row"][data-task-id="1"]');
  });

  it('searches on the server', async () => {
    await page.fill('[data-testid="tasks-search"]', '#42424');
    await page.waitForSelector('[data-testid="tasks-total"]:has-text("1 shown")');
    const title = await page.$eval('[data-testid="task-row"]', (r) => r.getAttribute('data-task-id'));
    expect(title).toBe('42424');
    await page.fill('[data-testid="tasks-search"]', '');
    await page.waitForSelector('[data-testid="tasks-total"]:has-text("100,000")');
  });

  it('filters by status and by type', async () => {
    const failed = (c.store().reader.prepare(`SELECT count(*) FROM tasks WHERE status = 'failed'`).pluck().get() as number).toLocaleString('en-US');
    await page.selectOption('[data-testid="filter-status"]', 'failed');
    await page.waitForSelector(`[data-testid="tasks-total"]:has-text("${failed} shown")`);
    expect(new Set(await statuses())).toEqual(new Set(['failed']));

    const gitFailed = (c.store().reader.prepare(`SELECT count(*) FROM tasks WHERE status = 'failed' AND type = 'git'`).pluck().get() as number).toLocaleString('en-US');
    await page.fill('[data-testid="filter-type"]', 'git');
    await page.waitForSelector(`[data-testid="tasks-total"]:has-text("${gitFailed} shown")`);
    const types = await page.$$eval('[data-testid="task-row"] [data-field="type"]', (cells) => cells.map((c) => c.textContent));
    expect(new Set(types)).toEqual(new Set(['git']));
    await page.selectOption('[data-testid="filter-status"]', '');
    await page.fill('[data-testid="filter-type"]', '');
    await page.waitForSelector('[data-testid="tasks-total"]:has-text("100,000")');
  });

  it('teaches how agents are found when there are none', async () => {
    await page.click('[data-testid="nav-sessions"]');
    await page.waitForSelector('[data-testid="no-agents"]');
    expect(await page.textContent('[data-testid="no-agents"]')).toContain('architect demo');
    await page.click('[data-testid="nav-tasks"]');
    await page.waitForSelector('[data-testid="task-row"]');
  });

  it('creates, reprioritises and cancels a task from the UI', async () => {
    await page.click('[data-testid="new-task"]');
    // The types and their default priorities come from the config (tasks.types).
    const { types } = await c.core.handlers['tasks.types']({});
    await page.waitForSelector('#task-types option', { state: 'attached' });
    const options = await page.$$eval('#task-types option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(types.map((t) => t.name));
    const perf = types.find((t) => t.name === 'performance_optimization');
    const infra = types.find((t) => t.name === 'infrastructure');
    expect(perf?.priority).not.toBe(infra?.priority);
    await page.fill('[data-testid="new-task-type"]', 'performance_optimization');
    expect(await page.inputValue('[data-testid="new-task-priority"]')).toBe(String(perf?.priority));
    await page.fill('[data-testid="new-task-type"]', 'infrastructure');
    expect(await page.inputValue('[data-testid="new-task-priority"]')).toBe(String(infra?.priority));
    await page.fill('[data-testid="new-task-dialog"] input[name="title"]', 'Browser-made task');
    await page.fill('[data-testid="new-task-dialog"] textarea[name="prompt"]', 'Do the thing');
    await page.click('[data-testid="create-task"]');
    await page.waitForSelector('[data-testid="task-title"]:has-text("Browser-made task")');
    const id = Number(/#\/tasks\/(\d+)/.exec(page.url())?.[1]);
    expect(id).toBe(TASKS + 1);
    expect(c.store().reader.prepare('SELECT type, priority FROM tasks WHERE id = ?').get(id)).toEqual({ type: 'infrastructure', priority: infra?.priority });
    await page.fill('[data-testid="task-priority"]', '9');
    await page.click('[data-testid="task-set-priority"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-view"] dl')?.textContent?.includes('Priority9'));
    await page.click('[data-testid="task-cancel"]');
    await page.waitForSelector('[data-testid="task-view"] [data-status="cancelled"]');
    const row = c.store().reader.prepare('SELECT status, priority FROM tasks WHERE id = ?').get(id) as { status: string; priority: number };
    expect(row).toEqual({ status: 'cancelled', priority: 9 });
  });
});
