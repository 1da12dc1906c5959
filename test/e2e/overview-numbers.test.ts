import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase } from '../../src/main/store/seed.js';
import { startConsole, type ConsoleUnderTest } from './support/console.js';
import { expectSlaBetween, slaBySql, tilesAndErrorsBySql, type Levels } from './support/overview-sla.js';

// What the Overview shows, against SQL over the same file, on a small seed: the queue's
// counts, the stats tiles, the SLA chart, each project's open tasks, the open errors.
// Then the early reads (issue 20): the page asks the panels' first reads beside
// config.ui, before the panels exist; held back config.ui's answer, a task created
// meanwhile still shows once the panels draw (the early answer was older than the change,
// so the panel reads again).

let c: ConsoleUnderTest;

function bySql() {
  const db = c.store().reader;
  const statuses = Object.fromEntries((db.prepare('SELECT status, count(*) AS n FROM tasks GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
  const one = (sql: string): number => db.prepare(sql).pluck().get() as number;
  const projects = new Map(
    (
      db
        .prepare("SELECT p.name, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status IN ('pending', 'assigned', 'in_progress', 'blocked')) AS n FROM projects p")
        .all() as { name: string; n: number }[]
    ).map((r) => [r.name, r.n]),
  );
  const { stats, errors } = tilesAndErrorsBySql(db, statuses);
  const sla = slaBySql(db);
  return {
    statuses,
    stats,
    completedToday: one("SELECT count(*) FROM tasks WHERE status = 'completed' AND completed_at > datetime('now', '-1 day')"),
    projects,
    errors,
    sla,
  };
}

/** What only the console's own changes move (not time): read once it stops moving. */
function movable(): string {
  const db = c.store().reader;
  return JSON.stringify([db.prepare('SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status').all(), db.prepare('SELECT status, count(*) FROM sessions GROUP BY status ORDER BY status').all()]);
}

const num = (text: string | null | undefined): number => Number((text ?? '').replace(/[^\d]/g, ''));

async function shown(page: Page) {
  const stats = Object.fromEntries(
    await page.$$eval('[data-testid^="stat-"]', (els) => els.map((e) => [e.getAttribute('data-testid')!.slice(5), e.querySelector('.stat-value')?.textContent ?? ''] as const)),
  );
  const counts = Object.fromEntries(await page.$$eval('[data-testid^="count-"]', (els) => els.map((e) => [e.getAttribute('data-testid')!.slice(6), e.querySelector('b')?.textContent ?? ''] as const)));
  const sla = new Map<string, Levels>();
  for (const title of await page.$$eval('[data-testid="chart-sla"] title', (ts) => ts.map((t) => t.textContent ?? ''))) {
    const m = /^(.+) · (.+): ([\d,]+)$/.exec(title);
    if (!m) continue;
    const levels = sla.get(m[1]!) ?? { ok: 0, warning: 0, critical: 0 };
    levels[m[2] === 'within SLA' ? 'ok' : (m[2] as 'warning' | 'critical')] = num(m[3]);
    sla.set(m[1]!, levels);
  }
  const projects = new Map(
    await page.$$eval('[data-testid="overview-project"]', (lis) => lis.map((li) => [li.querySelector('b')?.textContent ?? '', Number(/([\d,]+) open/.exec(li.textContent ?? '')?.[1]?.replace(/,/g, '') ?? NaN)] as const)),
  );
  const errors = new Map(await page.$$eval('[data-testid="overview-error"]', (lis) => lis.map((li) => [li.querySelector('.ellipsis')?.getAttribute('title') ?? '', Number(/^(\d+)×/.exec(li.textContent ?? '')?.[1] ?? NaN)] as const)));
  return { stats, counts, total: num(await page.textContent('[data-testid="task-total"]')), sla, projects, errors };
}

const DRAWN = ['[data-testid="stat-pending_tasks"]', '[data-testid="task-total"]', '[data-testid="overview-project"]', '[data-testid="overview-error"]'];

async function drawn(page: Page): Promise<void> {
  await Promise.all([...DRAWN.map((s) => page.waitForSelector(s)), page.waitForSelector('[data-testid="chart-sla"] title', { state: 'attached' })]);
}

describe('the Overview against SQL (small seed)', () => {
  beforeAll(async () => {
    c = await startConsole({
      seed: (store) => {
        seedDatabase(store, { tasks: 3000, sessions: 6, seed: 11 });
        for (let i = 0; i < 3; i++) store.errors.record('tests', 'a failure seen three times');
        store.errors.record('tests', 'a failure seen once');
      },
      beforeCore: ({ configDir }) => {
        // No timeouts: held tasks of the seed's gone sessions would be requeued as time runs.
        const routing = path.join(configDir, 'base', 'routing_rules.yaml');
        fs.writeFileSync(routing, fs.readFileSync(routing, 'utf8').replace(/^\s*timeout_minutes:.*\n/gm, ''));
      },
    });
    // Start-up work done: the counts have stopped moving.
    let last = '';
    for (let stable = 0; stable < 3; ) {
      const now = movable();
      stable = now === last ? stable + 1 : 0;
      last = now;
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('shows the counts SQL gives over the same file', async () => {
    const before = bySql();
    const page = await c.open({ hash: '#/overview' });
    await drawn(page);
    const s = await shown(page);
    const after = bySql();
    expect(after.statuses).toEqual(before.statuses);

    expect(s.total).toBe(Object.values(before.statuses).reduce((a, b) => a + b, 0));
    expect(Object.keys(s.counts).length).toBe(7);
    for (const [status, n] of Object.entries(s.counts)) expect(num(n), status).toBe(before.statuses[status] ?? 0);
    for (const key of ['pending_tasks', 'active_tasks', 'idle_sessions', 'working_sessions', 'open_errors'] as const) expect(num(s.stats[key]), key).toBe(before.stats[key]);
    expect(before.stats.pending_tasks).toBeGreaterThan(0);
    expect(num(s.stats.completed_today)).toBeLessThanOrEqual(before.completedToday);
    expect(num(s.stats.completed_today)).toBeGreaterThanOrEqual(after.completedToday);
    // SLA by type: the open total is exact; time only moves tasks towards critical.
    expectSlaBetween(s.sla, before.sla, after.sla);
    expect([...s.projects.keys()].sort()).toEqual([...before.projects.keys()].sort());
    for (const [name, n] of s.projects) expect(n, name).toBe(before.projects.get(name));
    expect(s.errors).toEqual(before.errors);
    await page.context().close();
  }, 60_000);

  it('asks the panels\' reads beside config.ui, and a change before the panels draw is shown', async () => {
    const context = await c.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    const sent: Array<{ id: number; what: string; afterUi: boolean }> = [];
    const methods = new Map<number, string>();
    let uiAnswered = false;
    let held: string | null = null;
    let tasksChanged = 0;
    let release: () => void = () => undefined;
    await page.routeWebSocket(/\/api$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        const msg = JSON.parse(String(m)) as { id?: number; method?: string; params?: { name?: string } };
        if (msg.id !== undefined) {
          const what = `${msg.method}${msg.params?.name ? ` ${msg.params.name}` : ''}`;
          methods.set(msg.id, what);
          sent.push({ id: msg.id, what, afterUi: uiAnswered });
        }
        server.send(m);
      });
      server.onMessage((m) => {
        const msg = JSON.parse(String(m)) as { id?: number; method?: string };
        if (msg.method === 'tasks.changed') tasksChanged++;
        if (msg.id !== undefined && methods.get(msg.id) === 'config.ui' && !uiAnswered) {
          held = String(m);
          release = () => {
            uiAnswered = true;
            ws.send(held!);
          };
          return;
        }
        ws.send(m);
      });
    });
    await page.goto(`${c.server.loginUrl}#/overview`);
    // config.ui asked and held: the page has no panels yet, and its first reads are out.
    await expect.poll(() => held !== null, { timeout: 20_000 }).toBe(true);
    await expect.poll(() => sent.filter((r) => r.what === 'query.run stats_dashboard').length, { timeout: 20_000 }).toBe(1);
    const early = sent.filter((r) => !r.afterUi).map((r) => r.what);
    expect(early[0]).toBe('config.ui');
    for (const read of ['query.run stats_dashboard', 'query.run sla_by_type', 'query.run completed_per_hour', 'query.run task_performance_by_type', 'projects.list', 'errors.list', 'sessions.timeline']) {
      expect(early, read).toContain(read);
    }
    expect(await page.$('[data-testid="panels"]')).toBeNull();

    // A task added meanwhile: the early stats_dashboard answer is older than it.
    const pendingBefore = bySql().stats.pending_tasks;
    const changedBefore = tasksChanged;
    await page.evaluate(() => window.architect.tasks.create({ type: 'bug_fix', title: 'added while the layout was on its way', prompt: 'p' }));
    await expect.poll(() => tasksChanged, { timeout: 20_000 }).toBeGreaterThan(changedBefore);
    expect(bySql().stats.pending_tasks).toBe(pendingBefore + 1);

    release();
    await drawn(page);
    // The panel showed the early answer and read again: the tile ends at SQL's count.
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="stat-pending_tasks"] .stat-value')?.textContent?.replace(/[^\d]/g, '')) === n, pendingBefore + 1, { timeout: 20_000 });
    expect(sent.filter((r) => r.what === 'query.run stats_dashboard' && r.afterUi).length).toBeGreaterThanOrEqual(1);
    // Reads with no change since they were asked are not asked again on drawing.
    expect(sent.filter((r) => r.what === 'query.run task_performance_by_type').length).toBe(1);
    await context.close();
  }, 60_000);
});
