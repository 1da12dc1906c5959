import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SlaFile } from '../../src/main/config/schemas/sla.js';
import { slaLevelsFromTasksSql } from '../../src/main/sla/sla-sql.js';
import { seedDatabase } from '../../src/main/store/seed.js';
import { startConsole, type ConsoleUnderTest } from './support/console.js';

// The Overview on a seeded queue of 200k tasks (~64k open; the 1M seed's start-up
// work — an SLA alert for each of 320k open tasks, 45k timed-out tasks requeued — kept
// a loaded 2-core machine from drawing it within minutes, see docs/performance.md):
// its SLA chart shows the numbers SQL gives. Time runs meanwhile (tasks keep crossing levels), so the page's figures must
// lie between a count taken before the page opened and one taken after it drew:
// "within SLA" only falls and "critical" only grows; the open total does not move.

const TASKS = 200_000;
type Levels = { ok: number; warning: number; critical: number };

let c: ConsoleUnderTest;
let page: Page;

function countsBySql(): Map<string, Levels> {
  const rules = SlaFile.parse(parse(fs.readFileSync(path.join(c.configDir, 'base', 'sla_rules.yaml'), 'utf8')));
  const rows = c.store().reader.prepare(slaLevelsFromTasksSql(rules, 'type')).all() as Array<Levels & { type: string }>;
  return new Map(rows.map((r) => [r.type, { ok: r.ok, warning: r.warning, critical: r.critical }]));
}

/** The chart's bars, from their tooltips ("bug_fix · critical: 12,345"). */
async function countsOnPage(): Promise<Map<string, Levels>> {
  const titles = await page.$$eval('[data-testid="chart-sla"] title', (ts) => ts.map((t) => t.textContent ?? ''));
  const out = new Map<string, Levels>();
  for (const title of titles) {
    const m = /^(.+) · (within SLA|warning|critical): ([\d,]+)$/.exec(title);
    if (!m) continue;
    const levels = out.get(m[1]!) ?? { ok: 0, warning: 0, critical: 0 };
    levels[m[2] === 'within SLA' ? 'ok' : (m[2] as 'warning' | 'critical')] = Number(m[3]!.replace(/,/g, ''));
    out.set(m[1]!, levels);
  }
  return out;
}

describe('the Overview on 200k tasks', () => {
  beforeAll(async () => {
    c = await startConsole({ seed: (store) => void seedDatabase(store, { tasks: TASKS, sessions: 50, seed: 7 }) });
  }, 240_000);
  afterAll(async () => {
    await c?.stop();
  }, 180_000);

  it('shows the SLA of the open tasks by type as SQL counts them', async () => {
    const before = countsBySql();
    page = await c.open({ hash: '#/overview' });
    // An SVG <title> is never visible: attached is what says the chart is drawn.
    await page.waitForSelector('[data-testid="chart-sla"] title', { state: 'attached', timeout: 180_000 });
    const shown = await countsOnPage();
    const after = countsBySql();

    expect([...shown.keys()].sort()).toEqual([...before.keys()].sort());
    expect(shown.size).toBeGreaterThan(5);
    for (const [type, s] of shown) {
      const b = before.get(type)!;
      const a = after.get(type)!;
      expect(s.ok + s.warning + s.critical, type).toBe(b.ok + b.warning + b.critical);
      expect(s.ok, type).toBeLessThanOrEqual(b.ok);
      expect(s.ok, type).toBeGreaterThanOrEqual(a.ok);
      expect(s.critical, type).toBeGreaterThanOrEqual(b.critical);
      expect(s.critical, type).toBeLessThanOrEqual(a.critical);
    }
    // The seed's open tasks: ~64k, nearly all long past their targets.
    const total = [...shown.values()].reduce((n, l) => n + l.ok + l.warning + l.critical, 0);
    expect(total).toBeGreaterThan(60_000);
  }, 300_000);
});
