import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index.js';
import { capturedIo } from '../../support/captured-io.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { positionOf, tempConfig, type TempConfig } from '../../unit/config/temp-config.js';

// Named queries on PostgreSQL: the shipped queries (with their postgres: variants)
// pass `config check` there and give what they give on SQLite; a broken variant is
// reported at its position, saying which variant failed; reads run in a read-only
// transaction that the server enforces, stopped at their timeout_ms.
const missing = postgresMissing();
const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/base');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capturedIo();
  const code = await main(argv, io, new Promise(() => {}));
  return { code, out: io.out(), err: io.err() };
}

describe.skipIf(missing)(`named queries on PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let cfg: TempConfig;
  let sqliteFile: string;
  let url: string;

  beforeAll(async () => {
    cluster = await TestPostgres.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  beforeEach(async () => {
    cfg = tempConfig();
    fs.copyFileSync(path.join(SHIPPED, 'routing_tests.yaml'), cfg.path('base/routing_tests.yaml'));
    sqliteFile = path.join(path.dirname(cfg.dir), 'architect.db');
    expect((await cli(['--db', sqliteFile, 'db', 'seed', '--tasks', '600', '--sessions', '8', '--seed', '3'])).code).toBe(0);
    url = await cluster.createDatabase();
    const copied = await cli(['--db', sqliteFile, 'db', 'migrate-to', url]);
    expect(copied.code, copied.err).toBe(0);
  });
  afterEach(() => cfg.remove());

  const on = (db: string, ...argv: string[]) => cli(['--config', cfg.dir, '--db', db, ...argv]);

  it('the shipped queries pass config check on both engines, and give the same answers', async () => {
    for (const db of [url, sqliteFile]) {
      const check = await on(db, 'config', 'check');
      expect(check.out + check.err, db).toMatch(/^config OK/);
      expect(check.code).toBe(0);
    }
    const both = async (name: string, ...params: string[]) => {
      const [pg, lite] = await Promise.all([on(url, 'query', name, '--json', ...params), on(sqliteFile, 'query', name, '--json', ...params)]);
      expect(pg.code, pg.err).toBe(0);
      expect(lite.code, lite.err).toBe(0);
      return [JSON.parse(pg.out).results, JSON.parse(lite.out).results] as [Record<string, unknown>[], Record<string, unknown>[]];
    };
    const [pgPending, litePending] = await both('tasks_by_status', '--param', 'status=pending', '--param', 'limit=40');
    expect(pgPending!.length).toBeGreaterThan(0);
    expect(pgPending).toEqual(litePending);
    // Counts are numbers on both (not PostgreSQL's bigint-as-text); completed_today depends on the moment.
    const [[pgStats], [liteStats]] = await both('stats_dashboard');
    const { completed_today: pgToday, ...pgRest } = pgStats!;
    const { completed_today: _liteToday, ...liteRest } = liteStats!;
    expect(pgRest).toEqual(liteRest);
    expect(typeof pgToday).toBe('number');
    // Every shipped query (time arithmetic differs by dialect): the same columns, the
    // same kinds of values, the same number of rows.
    const shipped = parse(fs.readFileSync(path.join(SHIPPED, 'queries.yaml'), 'utf8')) as { queries: Record<string, { params?: { name: string; required?: boolean }[] }> };
    const task = pgPending![0] as { id: number; type: string };
    const session = (await cluster.sql<{ name: string }>('SELECT name FROM sessions ORDER BY id LIMIT 1', [], url.split('/').pop()))[0]!.name;
    const values: Record<string, string> = { status: 'pending', id: String(task.id), type: task.type, session };
    const kinds = (rows: Record<string, unknown>[], key: string) => [...new Set(rows.map((r) => r[key]).filter((v) => v !== null).map((v) => typeof v))].sort();
    for (const [name, def] of Object.entries(shipped.queries)) {
      const required = (def.params ?? []).filter((p) => p.required).map((p) => {
        if (!(p.name in values)) throw new Error(`test setup: no value for ${name}'s required param ${p.name}`);
        return ['--param', `${p.name}=${values[p.name]}`];
      });
      const [pg, lite] = await both(name, ...required.flat());
      expect(pg!.length, name).toBe(lite!.length);
      if (lite!.length === 0) continue;
      expect(Object.keys(pg![0]!), name).toEqual(Object.keys(lite![0]!));
      for (const key of Object.keys(lite![0]!)) expect(kinds(pg!, key), `${name}.${key}`).toEqual(kinds(lite!, key));
    }
    const [[pgTask], [liteTask]] = await both('tasks_by_id', '--param', `id=${(pgPending![0] as { id: number }).id}`);
    expect({ ...pgTask, elapsed_minutes: 0 }).toEqual({ ...liteTask, elapsed_minutes: 0 });
    expect(Math.abs((pgTask!.elapsed_minutes as number) - (liteTask!.elapsed_minutes as number))).toBeLessThan(5);
  }, 120_000); // every shipped query through two CLI processes each: ~30 s on a loaded 2-core machine

  it('config check validates the configured engine\'s variant, saying which one failed and where', async () => {
    const overrides = [
      'queries:',
      '  queries:',
      '    typo_in_variant:',
      '      sql: "SELECT id FROM tasks"',
      '      postgres: "SELEC id FROM tasks"',
      '    sqlite_only:',
      "      sql: \"SELECT id FROM tasks WHERE created_at > datetime('now', '-1 day')\"",
      '    wipe_via_cte:',
      '      sql: "SELECT 1 AS x"',
      '      postgres: "WITH gone AS (DELETE FROM tasks RETURNING id) SELECT count(*) FROM gone"',
      '    two_statements:',
      '      sql: "SELECT 1 AS x"',
      '      postgres: "SELECT 1; SELECT 2"',
      '    claims:',
      '      sql: "SELECT id FROM tasks"',
      '      postgres: "SELECT id FROM tasks FOR UPDATE SKIP LOCKED"',
      '    undeclared:',
      '      sql: "SELECT id FROM tasks"',
      '      postgres: "SELECT id FROM tasks WHERE status = :status"',
      '    fine:',
      '      sql: "SELECT id FROM tasks WHERE status = :status"',
      '      postgres: "SELECT id::text AS id FROM tasks WHERE status = :status"',
      '      params: [{ name: status, type: string }]',
      '',
    ].join('\n');
    cfg.write('local/overrides.yaml', overrides);
    const file = path.relative(process.cwd(), cfg.path('local/overrides.yaml'));
    const at = (needle: string) => {
      const p = positionOf(overrides, needle);
      return `${file}:${p.line}:${p.col}`;
    };

    const pg = await on(url, 'config', 'check');
    expect(pg.code).toBe(1);
    const lines = pg.out.trim().split('\n').sort();
    expect(lines).toEqual(
      [
        `${at('"SELEC id')}: query "typo_in_variant": on PostgreSQL, its postgres: variant does not prepare: syntax error at or near "SELEC"`,
        `${at('"SELECT id FROM tasks WHERE created_at')}: query "sqlite_only": on PostgreSQL, its sql (it has no postgres: variant) does not prepare: function datetime(unknown, unknown) does not exist (give the query a postgres: variant in PostgreSQL's dialect)`,
        `${at('"WITH gone')}: query "wipe_via_cte": on PostgreSQL, its postgres: variant writes to the database: a named query may only read`,
        `${at('"SELECT 1; SELECT 2"')}: query "two_statements": on PostgreSQL, its postgres: variant has several statements: a named query is exactly one SELECT`,
        `${at('"SELECT id FROM tasks FOR UPDATE')}: query "claims": on PostgreSQL, its postgres: variant locks rows (FOR UPDATE / FOR SHARE): a named query may only read`,
        `${at('undeclared:')}: query "undeclared": on PostgreSQL, its postgres: variant uses :status: declare it under params`,
      ].sort(),
    );
    expect(pg.err).toContain('6 config problems');

    // On SQLite the sql of each is checked, not the variants: only sqlite_only's is fine there too.
    const lite = await on(sqliteFile, 'config', 'check');
    expect(lite.code, lite.out).toBe(0);

    // The good one runs with its variant (id as text: PostgreSQL's cast, not SQLite's sql).
    const fine = await on(url, 'query', 'fine', '--param', 'status=pending', '--json');
    expect(fine.code, fine.err).toBe(0);
    const rows = JSON.parse(fine.out).results as { id: unknown }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(typeof rows[0]!.id).toBe('string');
    // A broken one is not run: the CLI says why.
    const broken = await on(url, 'query', 'wipe_via_cte');
    expect(broken.code).toBe(1);
    expect(broken.err).toContain('query "wipe_via_cte" is not loaded: on PostgreSQL, its postgres: variant writes to the database');
    expect((await cluster.sql<{ n: number }>('SELECT count(*)::int AS n FROM tasks', [], url.split('/').pop()))[0]!.n).toBeGreaterThan(0);
  });

  it('a read runs in a read-only transaction the server enforces, and is stopped at its timeout_ms', async () => {
    cfg.write(
      'local/overrides.yaml',
      [
        'queries:',
        '  queries:',
        '    sneaky_write:',
        '      sql: "SELECT 1 AS id"',
        "      postgres: \"SELECT nextval(pg_get_serial_sequence('tasks', 'id')) AS id\"",
        '    slow:',
        '      sql: "SELECT 1 AS x"',
        '      postgres: "SELECT pg_sleep(30) AS x"',
        '      timeout_ms: 300',
        '',
      ].join('\n'),
    );
    const sneaky = await on(url, 'query', 'sneaky_write');
    expect(sneaky.code).toBe(1);
    expect(sneaky.err).toMatch(/query "sneaky_write" failed: cannot execute nextval\(\) in a read-only transaction/);
    const slow = await on(url, 'query', 'slow');
    expect(slow.code).toBe(1);
    expect(slow.err).toContain('query "slow" ran longer than 300 ms and was stopped');
    // --list shows the console's statistics: SQLite only for now, and it says so.
    const list = await on(url, 'query', '--list');
    expect(list.code).toBe(2);
    expect(list.err).toContain('--list runs on the SQLite database only for now');
  });
});
