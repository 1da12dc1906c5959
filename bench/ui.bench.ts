// ui_first_render_ms: navigation start → the overview's panels and fleet status in
// the page (real console, real web transport, Chromium), median of several loads.
// tasks_table_100k_render_ms: with 100,000 tasks, opening the Tasks page → its first
// rows drawn; tasks_table_100k_scroll_ms: a jump to the middle → those rows drawn.
import type { Page } from 'playwright-core';
import { seedDatabase } from '../src/main/store/seed.js';
import { startConsole } from '../test/e2e/support/console.js';
import { ROW_HEIGHT } from '../src/renderer/src/tasks/TaskTable.js';

const TASKS = 100_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Records, inside the page, when a selector first matches (no polling from outside). */
const WATCH = `
  window.__firstSeen = {};
  window.__watch = (sel) => new Promise((resolve) => {
    const check = () => { if (document.querySelector(sel)) { resolve(performance.now()); return true; } return false; };
    if (check()) return;
    const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
    obs.observe(document.documentElement, { childList: true, subtree: true, attributes: true });
  });
  document.addEventListener('DOMContentLoaded', () => {
    window.__watch('[data-testid="panels"] > section [data-testid="overview-session"], [data-testid="panels"] > section').then((t) => (window.__firstSeen.panels = t));
  });
`;

async function firstRender(page: Page, url: string): Promise<number> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __firstSeen: { panels?: number } }).__firstSeen.panels !== undefined);
  return page.evaluate(() => (window as unknown as { __firstSeen: { panels: number } }).__firstSeen.panels);
}

async function timeUntil(page: Page, action: string, selector: string): Promise<number> {
  return page.evaluate(
    async ([act, sel]) => {
      const w = window as unknown as { __watch(s: string): Promise<number> };
      const t0 = performance.now();
      const seen = w.__watch(sel);
      new Function(act)();
      return (await seen) - t0;
    },
    [action, selector] as const,
  );
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const c = await startConsole({ seed: (store) => void seedDatabase(store, { tasks: TASKS, sessions: 0, seed: 3 }) });
  try {
    const page = await c.open();
    await page.addInitScript(WATCH);
    const loads: number[] = [];
    const url = c.server.url;
    // The first load warms the HTTP cache, as a second visit of an operator would.
    await firstRender(page, url);
    for (let i = 0; i < (opts.quick ? 3 : 7); i++) loads.push(await firstRender(page, url));

    const opens: number[] = [];
    const scrolls: number[] = [];
    for (let i = 0; i < (opts.quick ? 2 : 5); i++) {
      await page.goto(`${url}#/overview`);
      await page.waitForSelector('[data-testid="panels"] > section');
      opens.push(await timeUntil(page, `location.hash = '#/tasks'`, '[data-testid="task-row"]'));
      const middle = Math.floor(TASKS / 2) + i * 1000;
      scrolls.push(
        await timeUntil(
          page,
          `document.querySelector('[data-testid="tasks-scroller"]').scrollTop = ${middle * ROW_HEIGHT}`,
          `[data-testid="task-row"][aria-rowindex="${middle + 2}"]`,
        ),
      );
    }
    return {
      ui_first_render_ms: median(loads),
      tasks_table_100k_render_ms: median(opens),
      tasks_table_100k_scroll_ms: median(scrolls),
    };
  } finally {
    await c.stop();
  }
}
