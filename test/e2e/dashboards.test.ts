import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_ICONS } from '../../src/shared/ui-config.js';
import { seedDatabase } from '../../src/main/store/seed.js';
import { DRAWN_ICONS } from '../../src/renderer/src/components/PanelIcon.js';
import { startConsole, type ConsoleUnderTest } from './support/console.js';

// Everything ui_config.yaml says about dashboards, rendered (issue 18): panel icons,
// every table of table_configs with its query, the column formats, color coding with
// the shipped config, and state / SLA / brand colors from the theme, followed live.

let c: ConsoleUnderTest;
let page: Page;

/** The computed color of an element, as `rgb(r, g, b)`. */
const colorOf = (selector: string, prop: 'color' | 'backgroundColor' = 'color'): Promise<string> =>
  page.$eval(selector, (el, p) => getComputedStyle(el)[p], prop);
const rgb = (hex: string): string => {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};
const uiFile = (): string => path.join(c.configDir, 'base', 'ui_config.yaml');

describe('dashboards render what ui_config.yaml says', () => {
  beforeAll(async () => {
    c = await startConsole({
      seed: (store) => {
        seedDatabase(store, { tasks: 3000, sessions: 6, seed: 3 });
        store.errors.record('tests', 'a failure worth a table row');
      },
      beforeCore: ({ configDir }) => {
        // A table without `query:` (the database table of its name) beside the shipped one.
        const file = path.join(configDir, 'base', 'ui_config.yaml');
        fs.appendFileSync(
          file,
          [
            '  errors:',
            '    columns:',
            '      - { field: "message", header: "Message", sortable: true }',
            '      - { field: "count", header: "Count", width: "70px", format: "number", sortable: true }',
            '      - { field: "last_seen", header: "Last seen", width: "180px", format: "datetime" }',
            '    default_sort: { field: "count", order: "desc" }',
            '    page_size: 5',
            '    enable_search: true',
            '    enable_filters: true',
            '',
          ].join('\n'),
        );
      },
    });
    page = await c.open();
    await page.waitForSelector('[data-testid="panel-projects"]');
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('draws every icon the schema accepts, and each panel its icon', async () => {
    expect([...DRAWN_ICONS].sort()).toEqual([...PANEL_ICONS].sort());
    for (const [panel, icon] of [
      ['projects', 'folder'],
      ['tasks', 'list-check'],
      ['sessions', 'terminal'],
      ['errors', 'exclamation-triangle'],
      ['session_workload', 'users'],
    ]) {
      await page.waitForSelector(`[data-testid="panel-${panel}"] h2 svg[data-icon="${icon}"]`);
    }
  });

  it('shows a query table: its rows are the query\'s, formatted by column', async () => {
    const expected = c
      .store()
      .reader.prepare(
        `SELECT assigned_to AS session, COUNT(*) AS total FROM tasks
         WHERE assigned_to IS NOT NULL AND created_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-7 days')
         GROUP BY assigned_to ORDER BY total DESC, assigned_to`,
      )
      .all() as { session: string; total: number }[];
    expect(expected.length).toBeGreaterThan(0);
    const table = '[data-testid="table-session_workload"]';
    await page.waitForSelector(`${table} [data-testid="table-session_workload-row"]`);
    expect(await page.getAttribute(table, 'data-source')).toBe('query session_workload');
    const rows = await page.$$eval(`${table} [data-testid="table-session_workload-row"]`, (els) =>
      els.map((r) => ({
        session: r.querySelector('[data-field="session"]')?.textContent ?? '',
        total: r.querySelector('[data-field="total"]')?.textContent ?? '',
        avg: r.querySelector('[data-field="avg_duration_seconds"]')?.textContent ?? '',
        last: r.querySelector('[data-field="last_activity"] time')?.textContent ?? '',
      })),
    );
    // default_sort total desc; page_size 10.
    expect(rows.length).toBe(Math.min(10, expected.length));
    expect(rows.map((r) => Number(r.total.replace(/,/g, '')))).toEqual(expected.slice(0, rows.length).map((e) => e.total));
    // number: thousands separators; duration: units, not raw seconds; datetime: not the stored text.
    for (const r of rows) {
      expect(r.avg).toMatch(/^(\d+ (s|min|h|d))( \d+ (min|h))?$|^—$/);
      expect(r.last).not.toMatch(/^\d{4}-\d\d-\d\d \d\d:/);
      expect(r.last.length).toBeGreaterThan(5);
    }
    if (expected[0]!.total >= 1000) expect(rows[0]!.total).toContain(',');
  });

  it('shows a database table (no query:) after the panels, with search, filters and sorting', async () => {
    const table = '[data-testid="table-errors"]';
    await page.waitForSelector(`${table} [data-testid="table-errors-row"]`);
    expect(await page.getAttribute(table, 'data-source')).toBe('table errors');
    const total = c.store().reader.prepare('SELECT count(*) FROM errors').pluck().get() as number;
    expect(await page.locator(`${table} [data-testid="table-errors-row"]`).count()).toBe(Math.min(5, total));
    await page.fill('[data-testid="table-errors-search"]', 'worth a table');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="table-errors-row"]').length === 1);
    expect(await page.textContent(`${table} [data-testid="table-errors-row"] [data-field="message"]`)).toContain('a failure worth a table row');
    expect(await page.textContent(`${table} [data-testid="table-errors-row"] [data-field="last_seen"] time`)).not.toMatch(/^\d{4}-/);
    await page.fill('[data-testid="table-errors-filter-message"]', 'no such message');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="table-errors-row"]').length === 0);
    await page.fill('[data-testid="table-errors-filter-message"]', '');
    await page.fill('[data-testid="table-errors-search"]', '');
    await page.click('[data-testid="table-errors-sort-message"]');
    await page.waitForSelector(`${table} [role="columnheader"][data-field="message"][aria-sort="descending"]`);
  });

  it('colors priorities with the shipped table config and SLA bars with the theme', async () => {
    await page.click('[data-testid="nav-tasks"]');
    await page.waitForSelector('[data-testid="task-row"]');
    // default_sort is priority desc: the first row is critical (≥ 9).
    const cell = '[data-testid="task-row"] [data-field="priority"] [data-color-coded="priority"]';
    await page.waitForSelector(cell);
    expect(await colorOf(cell)).toBe(rgb('#dc3545'));
    const level = await page.$eval('[data-testid="task-row"] .sla[data-level]', (el) => el.getAttribute('data-level'));
    const shipped: Record<string, string> = { ok: '#28a745', warning: '#ffc107', critical: '#dc3545' };
    expect(await colorOf(`[data-testid="task-row"] .sla[data-level="${level}"] .sla-fill`, 'backgroundColor')).toBe(rgb(shipped[level!]!));

    // Change the theme: priority, SLA and brand colors follow without a reload.
    const text = fs.readFileSync(uiFile(), 'utf8');
    const edited = text
      .replace(/critical: "#dc3545"(\n\s+high)/, 'critical: "#112233"$1')
      .replace(new RegExp(`(sla:[\\s\\S]*?${level}: )"#[0-9a-f]+"`), '$1"#445566"')
      .replace(/accent: "#3b6cf6"/, 'accent: "#778899"');
    expect(edited).not.toBe(text);
    fs.writeFileSync(uiFile(), edited);
    await page.waitForFunction((want) => getComputedStyle(document.querySelector('[data-testid="task-row"] [data-field="priority"] [data-color-coded="priority"]')!).color === want, rgb('#112233'));
    await page.waitForFunction(
      ([lvl, want]) => getComputedStyle(document.querySelector(`[data-testid="task-row"] .sla[data-level="${lvl}"] .sla-fill`)!).backgroundColor === want,
      [level!, rgb('#445566')] as const,
    );
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim())).toBe('#778899');
    fs.writeFileSync(uiFile(), text);
    await page.waitForFunction(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() === '#3b6cf6');
  });
});
