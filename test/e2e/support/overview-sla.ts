// The Overview checked against SQL, shared by the small (overview-numbers)
// and the 1M-task (overview-scale) tests: the levels by type from the shipped rules'
// SQL, the bounds a reading taken between two SQL counts must keep, and the stat tiles
// and open errors.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { slaLevelsFromTasksSql } from '../../../src/main/sla/sla-sql.js';

export type Levels = { ok: number; warning: number; critical: number };

const ROOT = path.resolve(import.meta.dirname, '../../..');
const shippedRules = SlaFile.parse(parse(fs.readFileSync(path.join(ROOT, 'config', 'base', 'sla_rules.yaml'), 'utf8')));

/** The open tasks' SLA levels by type, counted by SQL under the shipped sla_rules.yaml. */
export function slaBySql(db: { prepare(sql: string): { all(): unknown[] } }): Map<string, Levels> {
  const rows = db.prepare(slaLevelsFromTasksSql(shippedRules, 'type')).all() as Array<Levels & { type: string }>;
  return new Map(rows.map((r) => [r.type, { ok: r.ok, warning: r.warning, critical: r.critical }]));
}

/**
 * `shown` was read between `before` and `after` (both by SQL): the open total per type
 * is exact, and time only moves tasks towards critical — "within SLA" only falls and
 * "critical" only grows.
 */
export function expectSlaBetween(shown: Map<string, Levels>, before: Map<string, Levels>, after: Map<string, Levels>): void {
  expect([...shown.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [type, l] of shown) {
    const b = before.get(type)!;
    const a = after.get(type)!;
    expect(l.ok + l.warning + l.critical, type).toBe(b.ok + b.warning + b.critical);
    expect(l.ok, type).toBeLessThanOrEqual(b.ok);
    expect(l.ok, type).toBeGreaterThanOrEqual(a.ok);
    expect(l.critical, type).toBeGreaterThanOrEqual(b.critical);
    expect(l.critical, type).toBeLessThanOrEqual(a.critical);
  }
}

type Reader = { prepare(sql: string): { all(): unknown[]; pluck(): { get(): unknown } } };

/**
 * The Overview's stat tiles and its open errors by SQL, also shared by both tests:
 * `statuses` is the tasks' count by status, however the test counted them.
 */
export function tilesAndErrorsBySql(
  db: Reader,
  statuses: Record<string, number>,
): { stats: Record<'pending_tasks' | 'active_tasks' | 'idle_sessions' | 'working_sessions' | 'open_errors', number>; errors: Map<string, number> } {
  const one = (sql: string): number => db.prepare(sql).pluck().get() as number;
  return {
    stats: {
      pending_tasks: statuses.pending ?? 0,
      active_tasks: statuses.in_progress ?? 0,
      idle_sessions: one("SELECT count(*) FROM sessions WHERE status = 'idle'"),
      working_sessions: one("SELECT count(*) FROM sessions WHERE status = 'working'"),
      open_errors: one('SELECT count(*) FROM errors WHERE resolved = 0'),
    },
    errors: new Map((db.prepare('SELECT message, count FROM errors WHERE resolved = 0').all() as { message: string; count: number }[]).map((r) => [r.message, r.count])),
  };
}
