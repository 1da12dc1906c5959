import { Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import type { SessionEvent, UiConfig } from '../../../src/shared/api.js';
import { changedLines, diffLines, withContext } from '../../../src/renderer/src/config/lineDiff.js';
import { isProblemOf, problemsToDiagnostics } from '../../../src/renderer/src/config/YamlEditor.js';
import { formatAbsolute, formatCount, formatDuration, formatNumber, formatRelative, parseTime } from '../../../src/renderer/src/data/format.js';
import { priorityBand } from '../../../src/renderer/src/data/uiConfig.js';
import { visiblePanels } from '../../../src/renderer/src/overview/Overview.js';
import { completedPerHour } from '../../../src/renderer/src/overview/statsPanels.js';
import { buildSegments } from '../../../src/renderer/src/overview/Timeline.js';
import { parseRoute, routeHref } from '../../../src/renderer/src/shell/route.js';
import { fieldValue } from '../../../src/renderer/src/tasks/TaskTable.js';

describe('times', () => {
  it('reads store times (UTC without a zone) and ISO times alike', () => {
    expect(parseTime('2026-11-25 16:00:00.000')?.toISOString()).toBe('2026-11-25T16:00:00.000Z');
    expect(parseTime('2026-11-25T16:00:00.000Z')?.toISOString()).toBe('2026-11-25T16:00:00.000Z');
    expect(parseTime(null)).toBeNull();
    expect(parseTime('not a time')).toBeNull();
  });

  it.each([
    [0, '0 s'],
    [59_000, '59 s'],
    [5 * 60_000, '5 min'],
    [3 * 3_600_000 + 10 * 60_000, '3 h 10 min'],
    [3 * 3_600_000, '3 h'],
    [50 * 3_600_000, '2 d 2 h'],
  ])('formats %i ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('says ago, in, and just now', () => {
    const now = new Date('2026-11-25T16:00:00Z');
    expect(formatRelative(new Date('2026-11-25T15:55:00Z'), now)).toBe('5 min ago');
    expect(formatRelative(new Date('2026-11-25T18:00:00Z'), now)).toBe('in 2 h');
    expect(formatRelative(new Date('2026-11-25T15:59:58Z'), now)).toBe('just now');
  });
});

describe('routes', () => {
  it.each([
    ['', { page: 'overview', id: null }],
    ['#/tasks/42', { page: 'tasks', id: '42' }],
    ['#/sessions/default%3A%2512', { page: 'sessions', id: 'default:%12' }],
    ['#/config/base%2Fui_config.yaml', { page: 'config', id: 'base/ui_config.yaml' }],
    ['#/nowhere', { page: 'overview', id: null }],
  ])('%s', (hash, expected) => expect(parseRoute(hash)).toMatchObject(expected));

  it('keeps a query after the path', () => {
    expect(parseRoute('#/tasks?status=pending').query.get('status')).toBe('pending');
  });

  it('round-trips ids with slashes and colons', () => {
    expect(parseRoute(routeHref('sessions', 'demo:%3')).id).toBe('demo:%3');
  });
});

describe('overview panels', () => {
  const panel = (id: string, order: number, enabled = true) => ({ id, title: id, order, enabled, refresh_interval: 5 });
  it('keeps enabled panels in their order', () => {
    const ui = { dashboard_panels: [panel('errors', 4), panel('sessions', 0), panel('tasks', 2, false), panel('projects', 1)], table_configs: {} } as unknown as UiConfig;
    expect(visiblePanels(ui).map((p) => p.id)).toEqual(['sessions', 'projects', 'errors']);
  });

  it('places a table by a panel of its name, and shows the other tables (but tasks) after the panels', () => {
    const table = { columns: [] };
    const ui = {
      dashboard_panels: [panel('workload', 3), panel('sessions', 1), panel('hidden', 2, false)],
      table_configs: { tasks: table, workload: table, hidden: table, errors: table, extra: table },
    } as unknown as UiConfig;
    const shown = visiblePanels(ui);
    expect(shown.map((p) => [p.id, p.table ?? null])).toEqual([
      ['sessions', null],
      ['workload', 'workload'],
      // errors is a built-in panel's name: its table shows beside it, not instead of it.
      ['table_errors', 'errors'],
      ['table_extra', 'extra'],
    ]);
  });
});

describe('state timeline', () => {
  const ev = (sessionId: string, at: number, from: string | null, to: string): SessionEvent =>
    ({ sessionId, at: new Date(at).toISOString(), from, to, reason: null }) as SessionEvent;

  it('builds segments between transitions, starting in the first `from` state', () => {
    const segments = buildSegments([ev('a', 2000, 'idle', 'working'), ev('a', 5000, 'working', 'idle')], 0, 10_000);
    expect(segments.get('a')).toEqual([
      { state: 'idle', start: 0, end: 2000, reason: null },
      { state: 'working', start: 2000, end: 5000, reason: null },
      { state: 'idle', start: 5000, end: 10_000, reason: null },
    ]);
  });

  it('clips transitions before the window and orders unsorted events', () => {
    const segments = buildSegments([ev('b', 8000, 'working', 'waiting'), ev('b', -5000, 'idle', 'working')], 0, 10_000);
    expect(segments.get('b')?.map((s) => [s.state, s.start, s.end])).toEqual([
      ['working', 0, 8000],
      ['waiting', 8000, 10_000],
    ]);
  });
});

describe('charts and tables', () => {
  it('counts completions per hour, newest hour last', () => {
    const now = Date.parse('2026-11-25T16:30:00Z');
    // completed_per_hour's rows: UTC clock hours; one too old, one in the future, one not a time.
    const rows = [
      { hour: '2026-11-25 16:00', completed: 1 },
      { hour: '2026-11-25 15:00', completed: 2 },
      { hour: '2026-11-25 13:00', completed: 4 },
      { hour: '2026-11-20 10:00', completed: 9 },
      { hour: '2026-11-25 17:00', completed: 9 },
      { hour: 'nonsense', completed: 9 },
    ];
    expect(completedPerHour(rows, now, 4)).toEqual([4, 0, 2, 1]);
  });

  it('maps table_configs fields (snake_case) onto rows (camelCase)', () => {
    const row = { id: 1, createdAt: '2026-11-25 16:00:00', assignedTo: 'codex' } as never;
    expect(fieldValue(row, 'created_at')).toBe('2026-11-25 16:00:00');
    expect(fieldValue(row, 'assigned_to')).toBe('codex');
    expect(fieldValue(row, 'id')).toBe(1);
  });

  it.each([
    [10, 'critical'],
    [7, 'high'],
    [5, 'medium'],
    [0, 'low'],
  ])('priority %i is %s', (p, band) => expect(priorityBand(p)).toBe(band));
});

describe('config editor', () => {
  it('puts a problem at its line and column', () => {
    const doc = Text.of(['version: "1.0"', 'page_sise: 10', 'x: 1']);
    const [d] = problemsToDiagnostics(doc, [{ file: 'base/ui_config.yaml', line: 2, col: 1, message: 'unknown key "page_sise"' }]);
    expect(d).toMatchObject({ from: doc.line(2).from, to: doc.line(2).to, severity: 'error', message: 'unknown key "page_sise"' });
  });

  it('keeps problems past the end of the document inside it', () => {
    const doc = Text.of(['a: 1']);
    const [d] = problemsToDiagnostics(doc, [{ file: 'f', line: 9, col: 40, message: 'm' }]);
    expect(d!.from).toBeLessThanOrEqual(doc.length);
  });

  it('tells the edited file’s problems from other files’', () => {
    const p = (file: string) => ({ file, line: 1, col: 1, message: '' });
    expect(isProblemOf('base/ui_config.yaml', p('base/ui_config.yaml'))).toBe(true);
    expect(isProblemOf('base/ui_config.yaml', p('config/base/ui_config.yaml'))).toBe(true);
    expect(isProblemOf('base/ui_config.yaml', p('base/routing_rules.yaml'))).toBe(false);
  });

  it.each([
    ['a\nb\nc', 'a\nb\nc', 0],
    ['a\nb\nc', 'a\nB\nc', 2],
    ['a\nb\nc', 'a\nb\nc\nd', 1],
    ['a\nb\nc', 'c', 2],
  ])('diff %j → %j changes %i lines', (a, b, n) => expect(changedLines(a, b)).toBe(n));
});

describe('config diff', () => {
  it('marks removed and added lines with their line numbers', () => {
    expect(diffLines('a\nb\nc', 'a\nB\nc\nd').filter((d) => d.kind !== 'same')).toEqual([
      { kind: 'add', text: 'B', line: 2 },
      { kind: 'del', text: 'b', line: 2 },
      { kind: 'add', text: 'd', line: 4 },
    ]);
  });

  it('keeps two lines of context around each change and marks gaps', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join('\n');
    const after = before.replace('l3', 'L3').replace('l17', 'L17');
    const shown = withContext(diffLines(before, after));
    expect(shown.map((d) => (d === null ? '…' : `${d.kind[0]}${d.text}`))).toEqual([
      'sl1', 'sl2', 'aL3', 'dl3', 'sl4', 'sl5', '…', 'sl15', 'sl16', 'aL17', 'dl17', 'sl18', 'sl19',
    ]);
  });
});

describe('formatters made once', () => {
  it('say what toLocaleString says, with the same locale and options', () => {
    for (const n of [0, 7, 1234, 1_000_000, -42, 3.14159, 0.005, 12345.678]) {
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
      expect(formatNumber(n)).toBe(n.toLocaleString('en-US', { maximumFractionDigits: 2 }));
    }
    for (const at of ['2026-12-07T10:00:00Z', '2026-01-31T23:59:59Z']) {
      const when = new Date(at);
      expect(formatAbsolute(when)).toBe(when.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }));
    }
  });
});
