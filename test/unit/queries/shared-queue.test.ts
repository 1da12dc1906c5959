import { describe, expect, it } from 'vitest';
import { namesIn, withOwnTables } from '../../../src/main/queries/shared-queue.js';

// What a shared-queue console does to a query's text before PostgreSQL runs it: the
// names it reads (which engine it goes to), and this console's own tables put before
// it as CTEs of their names.
describe('named queries on a shared queue', () => {
  it.each([
    ['SELECT id FROM tasks WHERE status = :status', ['id', 'tasks', 'where', 'status', 'select', 'from']],
    ["SELECT 'sessions' AS x -- errors\nFROM tasks /* notifications */", ['select', 'as', 'x', 'from', 'tasks']],
    ['SELECT $q$ sessions $q$ FROM "Tasks"', ['select', 'from', 'Tasks']],
  ])('reads the names of %j, not its comments or literals', (sql, names) => {
    expect([...namesIn(sql)].sort()).toEqual([...names].sort());
  });

  it.each([
    ['SELECT count(*) FROM sessions', 'WITH sessions AS (SELECT * FROM jsonb_populate_recordset(NULL::sessions, $2::jsonb))\nSELECT count(*) FROM sessions'],
    ['  -- lead\n  SELECT 1', '  -- lead\n  WITH sessions AS (SELECT * FROM jsonb_populate_recordset(NULL::sessions, $2::jsonb))\nSELECT 1'],
    ['WITH x AS (SELECT 1) SELECT * FROM x, sessions', 'WITH sessions AS (SELECT * FROM jsonb_populate_recordset(NULL::sessions, $2::jsonb)), x AS (SELECT 1) SELECT * FROM x, sessions'],
    ['with recursive r AS (SELECT 1) SELECT * FROM r', 'with recursive sessions AS (SELECT * FROM jsonb_populate_recordset(NULL::sessions, $2::jsonb)), r AS (SELECT 1) SELECT * FROM r'],
  ])('puts the console\'s own tables before %j', (sql, expected) => {
    expect(withOwnTables(sql, ['sessions'], 2)).toBe(expected);
  });

  it('leaves a query that names none of them as it is', () => {
    expect(withOwnTables('SELECT 1', [], 1)).toBe('SELECT 1');
  });
});
