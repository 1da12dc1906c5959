import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UiFile } from '../../../src/shared/ui-config.js';
import { OVERVIEW_READS, SHIPPED_PANELS, readsFor } from '../../../src/renderer/src/overview/reads.js';

// The Overview's early reads (issue 20): a browser that has not drawn this console's
// Overview yet asks the reads of the panels the shipped ui_config.yaml enables.

const BUILTIN = ['projects', 'tasks', 'sessions', 'errors', 'stats', 'performance', 'sla'];

describe('the Overview\'s early reads', () => {
  it('expects the built-in panels that config/base/ui_config.yaml enables', () => {
    const ui = UiFile.parse(parse(fs.readFileSync(path.resolve('config/base/ui_config.yaml'), 'utf8')));
    const enabled = ui.dashboard_panels.filter((p) => p.enabled && BUILTIN.includes(p.id)).map((p) => p.id);
    expect([...SHIPPED_PANELS].sort()).toEqual(enabled.sort());
  });

  it('reads what each panel shows, the stats strip always', () => {
    expect(readsFor([]).sort()).toEqual(['stats']);
    expect(readsFor(SHIPPED_PANELS).sort()).toEqual(['errors', 'performance', 'projects', 'sla', 'stats', 'throughput', 'timeline']);
    // A performance panel of its own: the tasks panel does not draw the chart, it is read once either way.
    expect(readsFor(['tasks', 'performance']).sort()).toEqual(['performance', 'sla', 'stats', 'throughput']);
    expect(readsFor(['session_workload', 'table_errors'])).toEqual(['stats']);
    expect(new Set(Object.values(OVERVIEW_READS).map((r) => r.key)).size).toBe(Object.keys(OVERVIEW_READS).length);
  });
});
