import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { evaluateSla } from '../../../src/main/sla/evaluate.js';
import { SLA_BY_TYPE_QUERY, derivedQueries, slaLevelsFromTasksSql, slaLevelsSql } from '../../../src/main/sla/sla-sql.js';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { openPool } from '../../../src/main/store/postgres/pool.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { seededRandom } from '../../../src/main/store/seed.js';
import { fromSqlTime, toSqlTime } from '../../../src/main/store/time.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';

// The SLA levels a console on a shared queue shows (sla_by_type, sla_by_project) are
// counted on PostgreSQL from the open-task counts migration 018's triggers keep there:
// they must equal the scan over the tasks to the millisecond at each bound, and
// evaluate.ts task for task.
const missing = postgresMissing();
const SHIPPED = SlaFile.parse(parse(fs.readFileSync(path.resolve('config/base/sla_rules.yaml'), 'utf8')));
const TYPES = ['shell', 'python', 'git', 'deploy', 'claude_task', 'bug_fix', 'no_target_of_its_own'];
const STATUSES = ['pending', 'assigned', 'in_progress', 'blocked', 'completed', 'failed', 'cancelled'] as const;

describe.skipIf(missing)(`SLA levels on PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let pool: pg.Pool;
  const now = Date.parse('2026-12-06T12:00:30.250Z');
  const rows: Array<{ type: string; status: string; project: number | null; created: string }> = [];

  beforeAll(async () => {
    cluster = await TestPostgres.start({ fast: true });
    const url = await cluster.createDatabase();
    pool = await openPool(parsePostgresUrl(url, 'test'), { max: 2 });
    await migratePostgres(pool, url, migrations);
    const projects: number[] = [];
    for (const n of ['a', 'b']) projects.push((await pool.query<{ id: number }>("INSERT INTO projects(name, path) VALUES ($1, $2) RETURNING id", [n, `/srv/${n}`])).rows[0]!.id);
    const random = seededRandom(18);
    const boundsMs = Object.values(SHIPPED.sla_targets).flatMap((t) => [t.warning_percent, t.critical_percent].map((p) => (t.target_minutes * p * 600) | 0));
    const add = (agoMs: number): void => {
      rows.push({
        type: TYPES[Math.floor(random() * TYPES.length)]!,
        status: STATUSES[Math.floor(random() * STATUSES.length)]!,
        project: random() < 0.1 ? null : projects[Math.floor(random() * projects.length)]!,
        created: toSqlTime(new Date(now - agoMs)),
      });
    };
    for (const b of boundsMs) for (const d of [-60_001, -1_000, -1, 0, 0, 1, 1_000, 59_999]) for (let k = 0; k < 4; k++) add(b + d);
    for (let k = 0; k < 1_500; k++) add(Math.floor(random() * 90 * 60_000));
    await pool.query(
      `INSERT INTO tasks(type, title, prompt, priority, status, project_id, created_at, updated_at)
       SELECT type, 't', 'p', 5, status, project, created, created FROM jsonb_to_recordset($1::jsonb) AS r(type text, status text, project bigint, created text)`,
      [JSON.stringify(rows)],
    );
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await cluster?.stop();
  });

  const all = async (sql: string): Promise<unknown[]> => (await pool.query(sql)).rows.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));

  it('from the open-task counts equal the scan over tasks, to the millisecond at each bound', async () => {
    const at = `'${toSqlTime(new Date(now))}'`;
    const { default: _dropped, ...own } = SHIPPED.sla_targets;
    for (const rules of [SHIPPED, SlaFile.parse({ ...SHIPPED, sla_targets: own })]) {
      for (const groupBy of ['type', 'project_id'] as const) {
        const scan = await all(slaLevelsFromTasksSql(rules, groupBy, at, 'postgres'));
        expect(scan.length).toBeGreaterThan(1);
        expect(await all(slaLevelsSql(rules, groupBy, at, 'postgres'))).toEqual(scan);
      }
    }
    // And evaluate.ts's levels, task for task.
    const want = new Map<string, { open: number; ok: number; warning: number; critical: number }>();
    for (const r of rows) {
      if (!['pending', 'assigned', 'in_progress', 'blocked'].includes(r.status)) continue;
      const e = evaluateSla({ id: 0, type: r.type, status: 'pending', createdAt: fromSqlTime(r.created), startedAt: null, priority: 0, assignedTo: null }, SHIPPED, new Date(now));
      const c = want.get(r.type) ?? { open: 0, ok: 0, warning: 0, critical: 0 };
      c.open++;
      if (e) c[e.level]++;
      want.set(r.type, c);
    }
    const got = (await pool.query<{ type: string; open: number; ok: number; warning: number; critical: number }>(slaLevelsSql(SHIPPED, 'type', at, 'postgres'))).rows;
    expect(Object.fromEntries(got.map(({ type, ...c }) => [type, c]))).toEqual(Object.fromEntries(want));
    // Not vacuous: every level is there.
    for (const level of ['ok', 'warning', 'critical'] as const) expect(got.reduce((n, r) => n + r[level], 0), level).toBeGreaterThan(10);
  });

  it('the derived sla_by_type runs on PostgreSQL with the clock of the server', async () => {
    const res = await pool.query(derivedQueries(SHIPPED)[SLA_BY_TYPE_QUERY]!.postgres!);
    // Created around 2026-12-06 12:00 UTC: any later clock puts every timed task past its target.
    expect(res.rows.length).toBeGreaterThan(0);
    for (const r of res.rows as Array<{ ok: number; warning: number; critical: number }>) expect(typeof r.critical).toBe('number');
  });
});
