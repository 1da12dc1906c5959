import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { QueriesFile } from '../../../src/main/config/schemas/queries.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { QueryService } from '../../../src/main/queries/service.js';
import { evaluateSla } from '../../../src/main/sla/evaluate.js';
import { SLA_BY_PROJECT_QUERY, SLA_BY_TYPE_QUERY, derivedQueries } from '../../../src/main/sla/sla-sql.js';
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
});
