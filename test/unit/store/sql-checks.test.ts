import { describe, expect, it } from 'vitest';
import { forbiddenKeywords, stripLiteralsAndComments } from '../../../src/main/queries/sql-checks.js';
import { errorFingerprint, normaliseErrorMessage } from '../../../src/main/store/errors.js';
import { indexDefinition } from '../../../src/main/store/config-indexes.js';
import { IndexDef } from '../../../src/main/config/schemas/queries.js';

describe('forbiddenKeywords', () => {
  it.each<[string, string[]]>([
    ['SELECT * FROM tasks', []],
    ["SELECT 'ATTACH' AS word, \"pragma\" FROM tasks -- PRAGMA in a comment", []],
    ['SELECT 1 /* attach */', []],
    ["ATTACH 'x.db' AS x", ['ATTACH']],
    ['  pragma user_version', ['PRAGMA']],
    ['SELECT * FROM pragma_table_info(\'tasks\')', ['PRAGMA']],
    ['DETACH x', ['DETACH']],
    ['VACUUM INTO \'/tmp/x\'', ['VACUUM']],
    ["SELECT load_extension('x')", ['LOAD_EXTENSION']],
    // A quoted name is still a name: these disclosed the database path.
    ['SELECT * FROM "pragma_database_list"', ['PRAGMA']],
    ['SELECT * FROM main."PRAGMA_database_list"', ['PRAGMA']],
    ['SELECT * FROM [pragma_table_info](\'tasks\')', ['PRAGMA']],
    ['SELECT * FROM `pragma_compile_options`', ['PRAGMA']],
    ["SELECT * FROM 'pragma_database_list'", ['PRAGMA']],
    ['SELECT "load_extension"(\'x\')', ['LOAD_EXTENSION']],
    ["SELECT * FROM tasks WHERE title = 'pragma_ is a word' -- \"pragma_x\" in a comment", []],
  ])('%s → %j', (sql, expected) => {
    expect(forbiddenKeywords(sql)).toEqual(expected);
  });

  it('strips quotes with doubled quotes inside', () => {
    expect(stripLiteralsAndComments("SELECT 'it''s PRAGMA' FROM t")).toBe("SELECT '' FROM t");
  });
});

describe('error fingerprints', () => {
  it.each<[string, string]>([
    ['pane %12 closed after 300 ms', 'pane %<n> closed after <n> ms'],
    ['  rate   limited\n until 2026-02-14T10:00:00Z ', 'rate limited until <time>'],
    ['commit 3f2a9bc1 failed', 'commit <hex> failed'],
    ['request 123e4567-e89b-12d3-a456-426614174000 died', 'request <uuid> died'],
    ['deadbeef is a word', 'deadbeef is a word'],
  ])('%j normalises to %j', (message, expected) => {
    expect(normaliseErrorMessage(message)).toBe(expected);
  });

  it('same source and shape → same fingerprint; another source → another', () => {
    expect(errorFingerprint('tmux', 'pane %1 gone')).toBe(errorFingerprint('tmux', 'pane %99 gone'));
    expect(errorFingerprint('tmux', 'pane %1 gone')).not.toBe(errorFingerprint('router', 'pane %1 gone'));
  });
});

describe('indexDefinition', () => {
  it.each<[unknown, string]>([
    [{ table: 'tasks', name: 'i1', columns: ['status', 'priority DESC', 'created_at'] }, 'CREATE INDEX IF NOT EXISTS "i1" ON "tasks"(status, priority DESC, created_at)'],
    [{ table: 'tasks', name: 'i2', columns: ['priority DESC'], where: "status = 'pending'" }, `CREATE INDEX IF NOT EXISTS "i2" ON "tasks"(priority DESC) WHERE status = 'pending'`],
    [{ table: 'errors', name: 'i3', columns: ['fingerprint'], unique: true }, 'CREATE UNIQUE INDEX IF NOT EXISTS "i3" ON "errors"(fingerprint)'],
  ])('%j', (def, sql) => {
    expect(indexDefinition(IndexDef.parse(def))).toBe(sql);
  });
});
