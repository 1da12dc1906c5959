import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleUnderTest } from './support/console.js';

// A panel whose query takes longer than the panel's refresh interval still draws
// (the Overview's SLA chart on a big queue never did: each refresh dropped the load
// in flight and started another, so no answer was ever shown). Here `sla_by_type` is
// replaced by a query that counts a few million rows — seconds of work in its reader
// — and the Task Queue panel refreshes every second.

const SLOW_SLA_BY_TYPE = [
  '  sla_by_type:',
  '    description: "A slow stand-in: counts millions of rows before it answers"',
  '    sql: |',
  '      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000)',
  "      SELECT 'slow_type' AS type, (SELECT count(*) FROM n) AS ok, 0 AS warning, 0 AS critical",
  '    timeout_ms: 120000',
  '',
].join('\n');

let c: ConsoleUnderTest;

describe('an aggregate slower than its refresh interval', () => {
  beforeAll(async () => {
    c = await startConsole({
      beforeCore: ({ configDir }) => {
        const queries = path.join(configDir, 'base', 'queries.yaml');
        const text = fs.readFileSync(queries, 'utf8');
        // Under the file's `queries:` map, before its next top-level key.
        const at = text.search(/^queries:\s*$/m);
        expect(at).toBeGreaterThanOrEqual(0);
        const lineEnd = text.indexOf('\n', at) + 1;
        fs.writeFileSync(queries, text.slice(0, lineEnd) + SLOW_SLA_BY_TYPE + text.slice(lineEnd));
        const ui = path.join(configDir, 'base', 'ui_config.yaml');
        const uiText = fs.readFileSync(ui, 'utf8');
        const faster = uiText.replace(/(- id: "tasks"[\s\S]*?refresh_interval: )\d+/, '$11');
        expect(faster).not.toBe(uiText);
        fs.writeFileSync(ui, faster);
      },
    });
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('is drawn once its first answer arrives, although refreshes keep coming meanwhile', async () => {
    const page = await c.open({ hash: '#/overview' });
    // An SVG <title> is never visible: attached is what says the chart is drawn.
    await page.waitForSelector('[data-testid="chart-sla"] title', { state: 'attached', timeout: 120_000 });
    const titles = await page.$$eval('[data-testid="chart-sla"] title', (ts) => ts.map((t) => t.textContent ?? ''));
    expect(titles).toContain('slow_type · within SLA: 10,000,000');
  }, 180_000);
});
