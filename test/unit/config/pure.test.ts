import { describe, expect, it } from 'vitest';
import { selectedColumns } from '../../../src/main/config/checks/database.js';
import { findReferences, parseReference } from '../../../src/main/config/checks/references.js';
import { closest, editDistance } from '../../../src/main/config/did-you-mean.js';
import { mergeLayer } from '../../../src/main/config/merge.js';
import { parseYamlFile } from '../../../src/main/config/source.js';

describe('did you mean', () => {
  it.each([
    ['dev_workr1', ['dev_worker1', 'dev_worker2', 'codex'], 'dev_worker1'],
    ['preferred_session', ['preferred_sessions', 'port_range'], 'preferred_sessions'],
    ['xyz', ['preferred_sessions', 'port_range'], null],
    ['Codex', ['codex'], 'codex'],
  ])('%s → %s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });
  it.each([['kitten', 'sitting', 3], ['', 'abc', 3], ['same', 'same', 0]])('distance %s %s = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});

describe('references', () => {
  it.each([
    ['${steps.create_task.id}', [{ scope: 'steps', segments: [{ key: 'create_task' }, { key: 'id' }] }]],
    ["${config.sla_rules[steps.t.type].target_minutes}", [{ scope: 'config', segments: [{ key: 'sla_rules' }, { wildcard: 'steps.t.type' }, { key: 'target_minutes' }] }]],
    ["${config.a['b'][0]}", [{ scope: 'config', segments: [{ key: 'a' }, { key: 'b' }, { key: '0' }] }]],
    ['Task ${steps.a.id} by ${steps.b.session_id}', [{ scope: 'steps', segments: [{ key: 'a' }, { key: 'id' }] }, { scope: 'steps', segments: [{ key: 'b' }, { key: 'session_id' }] }]],
    ['no references', []],
  ])('%s', (text, expected) => {
    expect(findReferences(text).map(({ scope, segments }) => ({ scope, segments }))).toEqual(expected);
  });
  it('an empty reference is not a path', () => expect(parseReference('')).toBeNull());
});

describe('selected columns', () => {
  it.each([
    ['SELECT id, type FROM tasks', ['id', 'type']],
    ["SELECT t.id, (strftime('%s','now') - 1) / 60.0 AS elapsed_minutes FROM tasks t", ['id', 'elapsed_minutes']],
    ['SELECT (SELECT COUNT(*) FROM tasks) AS pending, 1 AS one', ['pending', 'one']],
    ['SELECT * FROM tasks', null],
    ['SELECT id, fromage FROM cheese', ['id', 'fromage']],
    // After a WITH clause: its queries are in parentheses, the result is the outer select's.
    ['WITH since(at) AS (SELECT 1), per AS (SELECT a, b FROM t) SELECT p.a AS session, CASE WHEN x THEN (SELECT max(y) FROM z) END AS latest FROM per p', ['session', 'latest']],
    ['with x as (select 1 as one) select one, two from x', ['one', 'two']],
  ])('%s', (sql, expected) => {
    expect(selectedColumns(sql)).toEqual(expected);
  });
});

describe('merge: objects deep, arrays replace, null deletes', () => {
  const layer = (file: string, text: string) => {
    const p = parseYamlFile(file, text);
    return { value: p.value, source: p.source };
  };
  const base = layer('base.yaml', 'a:\n  b: 1\n  c: [1, 2]\n  d: keep\ne: 5\n');
  it.each([
    ['a:\n  b: 2\n', { a: { b: 2, c: [1, 2], d: 'keep' }, e: 5 }],
    ['a:\n  c: [9]\n', { a: { b: 1, c: [9], d: 'keep' }, e: 5 }],
    ['a:\n  d: null\n', { a: { b: 1, c: [1, 2] }, e: 5 }],
    ['e: {x: 1}\n', { a: { b: 1, c: [1, 2], d: 'keep' }, e: { x: 1 } }],
    ['f: new\n', { a: { b: 1, c: [1, 2], d: 'keep' }, e: 5, f: 'new' }],
  ])('%j', (over, expected) => {
    expect(mergeLayer(base, layer('over.yaml', over)).value).toEqual(expected);
  });
  it('keeps the position of the file that supplied each value', () => {
    const merged = mergeLayer(base, layer('over.yaml', 'a:\n  c: [9]\n'));
    const a = merged.source.children?.get('a');
    expect(a?.children?.get('b')?.at).toEqual({ file: 'base.yaml', line: 2, col: 6 });
    expect(a?.children?.get('c')?.children?.get(0)?.at).toEqual({ file: 'over.yaml', line: 2, col: 7 });
    expect(a?.children?.get('c')?.children?.get(1)).toBeUndefined();
  });
});
