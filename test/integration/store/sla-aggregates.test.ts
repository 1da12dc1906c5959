import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { QueriesFile } from '../../../src/main/config/schemas/queries.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { QueryService } from '../../../src/main/queries/service.js';
import { evaluateSla } from '../../../src/main/sla/evaluate.js';
import { SLA_BY_PROJECT_QUERY, SLA_BY_TYPE_QUERY, derivedQueries, slaLevelsFromTasksSql, slaLevelsSql } from '../../../src/main/sla/sla-sql.js';
import { rebuildDerivedCounts } from '../../../src/main/store/derived-counts.js';
import { seededRandom } from '../../../src/main/store/seed.js';
import type { Store } from '../../../src/main/store/store.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { tempStore } from './temp-store.js';

// The Overview's SLA chart and the projects' health count levels in SQL (derived from
// sla_rules.yaml), in a reader process. Their numbers must be evaluate.ts's, task for task.

const SHIPPED = SlaFile.parse(parse(fs.readFileSync(path.resolve('config/base/sla_rules.yaml'), 'utf8')));
const TYPES = ['shell', 'python', 'git', 'deploy', 'claude_task', 'bug_fix', 'no_target_of_its_own'];
const STATUSES = ['pending', 'assigned', 'in_progress', 'blocked', 'completed', 'failed', 'cancelled'] as const;
const TASKS = 6_000;

let store: Store;
let remove: () => void;
let service: QueryService;
beforeEach(() => {
  ({ store, remove } = tempStore());
});
afterEach(async () => {
  await service?.close();
  remove();
});

/** Tasks created a whole number of minutes and 30 s ago: no level boundary (multiples of 0.1 min ≥ 6 s apart) falls within seconds of now. */
function fill(now: number): void {
  const random = seededRandom(20);
  const projects = ['a', 'b', 'c'].map((n) => store.projects.add(`/srv/${n}`, n).id);
  const insert = store.writer.prepare('INSERT INTO tasks(type, title, prompt, priority, status, project_id, created_at, updated_at) VALUES (?, ?, ?, 5, ?, ?, ?, ?)');
  store.transaction(() => {
    for (let i = 0; i < TASKS; i++) {
      const created = toSqlTime(new Date(now - (Math.floor(random() * 120) * 60 + 30) * 1000));
      const type = TYPES[Math.floor(random() * TYPES.length)]!;
      const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
      insert.run(type, `t${i}`, 'p', status, projects[Math.floor(random() * projects.length)]!, created, created);
    }
  });
}

function expected(rules: SlaFile, key: 'type' | 'projectId'): Map<string, { open: number; ok: number; warning: number; critical: number }> {
  const now = new Date();
  const out = new Map<string, { open: number; ok: number; warning: number; critical: number }>();
  const rows = store.writer.prepare("SELECT id, type, status, project_id AS projectId, created_at AS createdAt FROM tasks WHERE status IN ('pending', 'assigned', 'in_progress', 'blocked')").all() as Array<{
    id: number; type: string; status: 'pending'; projectId: number; createdAt: string;
  }>;
  for (const r of rows) {
    const k = String(r[key]);
    const entry = out.get(k) ?? { open: 0, ok: 0, warning: 0, critical: 0 };
    entry.open++;
    const e = evaluateSla({ id: r.id, type: r.type, status: r.status, createdAt: `${r.createdAt.replace(' ', 'T')}Z`, startedAt: null, priority: 5, assignedTo: null }, rules, now);
    if (e) entry[e.level]++;
    out.set(k, entry);
  }
  return out;
}

async function run(rules: SlaFile, name: string): Promise<Array<Record<string, unknown>>> {
  service = new QueryService(store, { logger: silentLogger });
  expect(service.load(QueriesFile.parse({ version: '1', queries: derivedQueries(rules) }))).toEqual([]);
  return (await service.run(name)).results;
}

describe('SLA levels counted in SQL', () => {
  it('sla_by_type gives evaluate.ts numbers for every type (own targets and default)', async () => {
    fill(Date.now());
    const rows = await run(SHIPPED, SLA_BY_TYPE_QUERY);
    const want = expected(SHIPPED, 'type');
    expect(rows.length).toBe(TYPES.length);
    for (const r of rows) {
      const w = want.get(String(r.type))!;
      expect({ type: r.type, ok: r.ok, warning: r.warning, critical: r.critical }).toEqual({ type: r.type, ok: w.ok, warning: w.warning, critical: w.critical });
    }
    // Not vacuous: every level occurs.
    expect(rows.some((r) => Number(r.ok) > 0) && rows.some((r) => Number(r.warning) > 0) && rows.some((r) => Number(r.critical) > 0)).toBe(true);
  });

  it('sla_by_project counts every open task, and levels only where a target applies (no default: types without one have none)', async () => {
    fill(Date.now());
    const { default: _dropped, ...own } = SHIPPED.sla_targets;
    const rules = SlaFile.parse({ ...SHIPPED, sla_targets: own });
    const rows = await run(rules, SLA_BY_PROJECT_QUERY);
    const want = expected(rules, 'projectId');
    expect(rows.length).toBe(3);
    for (const r of rows) expect({ open: r.open, ok: r.ok, warning: r.warning, critical: r.critical }).toEqual(want.get(String(r.project_id)));
  });

  it('a type name with a quote is a string in the SQL, not SQL', async () => {
    const rules = SlaFile.parse({ ...SHIPPED, sla_targets: { ...SHIPPED.sla_targets, "it's": { target_minutes: 1, warning_percent: 50, critical_percent: 100 } } });
    store.tasks.add({ type: "it's", title: 't', prompt: 'p' });
    const rows = await run(rules, SLA_BY_TYPE_QUERY);
    expect(rows).toEqual([{ type: "it's", ok: 1, warning: 0, critical: 0 }]);
  });

  it('from the open-task counts (migration 018) equal the scan over tasks, to the millisecond at each bound', () => {
    // A fixed "now" in the SQL, so both read the same bounds; tasks at, just before and
    // just after every bound (the bound minute is read from tasks), and at random times.
    const now = Date.parse('2026-12-06T12:00:30.250Z');
    const random = seededRandom(18);
    const projects = ['a', 'b'].map((n) => store.projects.add(`/srv/${n}`, n).id);
    const insert = store.writer.prepare('INSERT INTO tasks(type, title, prompt, priority, status, project_id, created_at, updated_at) VALUES (?, ?, ?, 5, ?, ?, ?, ?)');
    const targets = Object.values(SHIPPED.sla_targets);
    const boundsMs = targets.flatMap((t) => [t.warning_percent, t.critical_percent].map((p) => (t.target_minutes * p * 600) | 0));
    let i = 0;
    const add = (agoMs: number): void => {
      const created = toSqlTime(new Date(now - agoMs));
      const type = TYPES[Math.floor(random() * TYPES.length)]!;
      const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
      const project = random() < 0.1 ? null : projects[Math.floor(random() * projects.length)]!;
      insert.run(type, `t${i++}`, 'p', status, project, created, created);
    };
    store.transaction(() => {
      for (const b of boundsMs) for (const d of [-60_001, -1_000, -1, 0, 0, 1, 1_000, 59_999]) for (let k = 0; k < 8; k++) add(b + d);
      for (let k = 0; k < 4_000; k++) add(Math.floor(random() * 90 * 60_000));
    });
    const at = `'${toSqlTime(new Date(now))}'`;
    const sorted = (rows: unknown[]): unknown[] => [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    const { default: _dropped, ...own } = SHIPPED.sla_targets;
    for (const rules of [SHIPPED, SlaFile.parse({ ...SHIPPED, sla_targets: own })]) {
      for (const groupBy of ['type', 'project_id'] as const) {
        const scan = store.writer.prepare(slaLevelsFromTasksSql(rules, groupBy, at)).all();
        expect(scan.length).toBeGreaterThan(1);
        expect(sorted(store.writer.prepare(slaLevelsSql(rules, groupBy, at)).all())).toEqual(sorted(scan));
      }
    }
    // Not vacuous: tasks sit in each bound's own minute, on both sides of it.
    const levels = store.writer.prepare(slaLevelsFromTasksSql(SHIPPED, 'type', at)).all() as Array<{ ok: number; warning: number; critical: number }>;
    expect(levels.every((r) => r.ok > 0 && r.warning > 0 && r.critical > 0)).toBe(true);
  });

  it('the open-task counts follow every way a task enters or leaves the open statuses, and a claim does not touch them', () => {
    const projects = ['a', 'b', 'c'].map((n) => store.projects.add(`/srv/${n}`, n).id);
    const random = seededRandom(1018);
    const db = store.writer;
    const insert = db.prepare('INSERT INTO tasks(type, title, prompt, status, project_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const counts = (): unknown => ({
      counts: db.prepare('SELECT type, project_id, n FROM task_open_counts WHERE n <> 0 ORDER BY 1, 2').all(),
      minutes: db.prepare('SELECT type, project_id, minute, n FROM task_open_minutes ORDER BY 1, 2, 3').all(),
    });
    const recount = (): unknown => {
      const copy = { counts: [] as unknown[], minutes: [] as unknown[] };
      db.exec('SAVEPOINT recount');
      rebuildDerivedCounts(db);
      Object.assign(copy, counts());
      db.exec('ROLLBACK TO recount; RELEASE recount');
      return copy;
    };
    for (let k = 0; k < 600; k++) {
      const created = toSqlTime(new Date(Date.parse('2026-12-06T10:00:00Z') + Math.floor(random() * 20 * 60_000)));
      insert.run(TYPES[k % TYPES.length]!, `t${k}`, 'p', STATUSES[Math.floor(random() * STATUSES.length)]!, random() < 0.1 ? null : projects[k % 3]!, created, created);
    }
    const ids = (where: string): number[] => db.prepare(`SELECT id FROM tasks WHERE ${where} ORDER BY id LIMIT 40`).pluck().all() as number[];
    const run = (sql: string, where: string): void => {
      const stmt = db.prepare(sql);
      for (const id of ids(where)) stmt.run(id);
    };
    expect(counts()).toEqual(recount());
    // A claim and a start (open to open) write no row of either table: the rows they
    // change are as many as with migration 018's triggers dropped.
    const changes = db.prepare('SELECT total_changes()').pluck();
    const claim = db.prepare("UPDATE tasks SET status = 'assigned', assigned_to = 'w1', assigned_at = created_at WHERE id = ?");
    const start = db.prepare("UPDATE tasks SET status = 'in_progress' WHERE id = ?");
    const claimAndStart = (id: number): number => {
      const was = changes.get() as number;
      claim.run(id);
      start.run(id);
      return (changes.get() as number) - was;
    };
    const pending = ids("status = 'pending'");
    db.exec('SAVEPOINT without; DROP TRIGGER trg_task_open_insert; DROP TRIGGER trg_task_open_delete; DROP TRIGGER trg_task_open_update');
    const baseline = claimAndStart(pending[0]!);
    db.exec('ROLLBACK TO without; RELEASE without');
    expect(baseline).toBeGreaterThan(0);
    for (const id of pending) expect(claimAndStart(id)).toBe(baseline);
    expect(counts()).toEqual(recount());
    run("UPDATE tasks SET status = 'completed', completed_at = created_at WHERE id = ?", "status IN ('assigned', 'in_progress')");
    run("UPDATE tasks SET status = 'failed' WHERE id = ?", "status = 'pending'");
    run("UPDATE tasks SET status = 'pending' WHERE id = ?", "status IN ('failed', 'cancelled')");
    run("UPDATE tasks SET status = 'cancelled' WHERE id = ?", "status = 'blocked'");
    run("UPDATE tasks SET type = 'git' WHERE id = ?", "status = 'pending' AND type <> 'git'");
    run("UPDATE tasks SET created_at = '2026-12-06 09:00:00.000' WHERE id = ?", "status = 'assigned'");
    run('DELETE FROM tasks WHERE id = ?', "status IN ('pending', 'completed')");
    expect(counts()).toEqual(recount());
    // A project removed: its tasks move to "no project" (ON DELETE SET NULL).
    db.prepare('DELETE FROM projects WHERE id = ?').run(projects[0]!);
    expect(counts()).toEqual(recount());
    expect((counts() as { minutes: unknown[] }).minutes.length).toBeGreaterThan(10);
  });
});
