import { describe, expect, it } from 'vitest';
import { QueryDef, type QueryParam } from '../../../src/main/config/schemas/queries.js';
import { bindParams, coerceParam, QueryParamError } from '../../../src/main/queries/params.js';

const p = (type: QueryParam['type'], extra: Partial<QueryParam> = {}): QueryParam => ({ name: 'x', type, required: false, ...extra });

describe('coerceParam', () => {
  it.each<[QueryParam['type'], unknown, string | number]>([
    ['string', 'pending', 'pending'],
    ['string', '', ''],
    ['integer', 7, 7],
    ['integer', '42', 42],
    ['integer', ' -3 ', -3],
    ['number', '2.5', 2.5],
    ['number', 3, 3],
    ['number', '1e3', 1000],
    ['boolean', true, 1],
    ['boolean', false, 0],
    ['boolean', 'true', 1],
    ['boolean', 'No', 0],
    ['boolean', '1', 1],
    ['boolean', 0, 0],
    ['datetime', '2026-02-14', '2026-02-14 00:00:00.000'],
    ['datetime', '2026-02-14 10:30', '2026-02-14 10:30:00.000'],
    ['datetime', '2026-02-14 10:30:05', '2026-02-14 10:30:05.000'],
    ['datetime', '2026-02-14T10:30:05.123456Z', '2026-02-14 10:30:05.123'],
    ['datetime', '2026-02-14T12:30:05+02:00', '2026-02-14 10:30:05.000'],
    ['datetime', '2026-02-14T05:30:05-0500', '2026-02-14 10:30:05.000'],
  ])('%s %j → %j', (type, input, expected) => {
    expect(coerceParam(p(type), input)).toBe(expected);
  });

  it('accepts a Date for a datetime', () => {
    expect(coerceParam(p('datetime'), new Date('2026-02-14T10:00:00Z'))).toBe('2026-02-14 10:00:00.000');
  });

  it.each<[QueryParam['type'], unknown, string]>([
    ['integer', 'abc', 'param "x": expected integer, got "abc"'],
    ['integer', '4.5', 'param "x": expected integer, got "4.5"'],
    ['integer', 4.5, 'param "x": expected integer, got 4.5'],
    ['integer', '99999999999999999999', 'expected integer'],
    ['number', 'NaN', 'param "x": expected number, got "NaN"'],
    ['number', 'Infinity', 'expected number'],
    ['number', '12px', 'expected number'],
    ['string', 5, 'param "x": expected string, got 5'],
    ['boolean', 'maybe', 'param "x": expected boolean, got "maybe"'],
    ['boolean', 2, 'expected boolean'],
    ['datetime', 'yesterday', 'param "x": expected datetime, got "yesterday"'],
    ['datetime', '2026-02-30', 'expected datetime'],
    ['datetime', '2026-02-14 25:00', 'expected datetime'],
    ['datetime', 1700000000, 'expected datetime'],
  ])('%s %j is refused', (type, input, message) => {
    expect(() => coerceParam(p(type), input)).toThrow(QueryParamError);
    expect(() => coerceParam(p(type), input)).toThrow(message);
  });
});

describe('bindParams', () => {
  const def = QueryDef.parse({
    sql: 'SELECT 1',
    params: [
      { name: 'status', type: 'string', required: true },
      { name: 'limit', type: 'integer', default: 100 },
      { name: 'since', type: 'datetime' },
      { name: 'flag', type: 'boolean', default: 'yes' },
    ],
  });

  it.each<[Record<string, unknown>, Record<string, unknown>]>([
    [{ status: 'pending' }, { status: 'pending', limit: 100, since: null, flag: 1 }],
    [{ status: 'pending', limit: '5' }, { status: 'pending', limit: 5, since: null, flag: 1 }],
    [{ status: 'done', limit: '', flag: 'false' }, { status: 'done', limit: 100, since: null, flag: 0 }],
    [{ status: '', since: '2026-01-01' }, { status: '', limit: 100, since: '2026-01-01 00:00:00.000', flag: 1 }],
  ])('%j binds as %j', (input, expected) => {
    expect(bindParams('q', def, input)).toEqual(expected);
  });

  it.each<[Record<string, unknown>, string]>([
    [{}, 'param "status" is required by query "q" (string)'],
    [{ status: null }, 'param "status" is required'],
    [{ status: 'p', color: 'red' }, 'param "color" is not declared by query "q" (declared: status, limit, since, flag)'],
    [{ status: 'p', limit: 'abc' }, 'param "limit": expected integer, got "abc"'],
  ])('%j is refused', (input, message) => {
    expect(() => bindParams('q', def, input)).toThrow(message);
  });

  it('a query without params refuses any', () => {
    expect(() => bindParams('stats', QueryDef.parse({ sql: 'SELECT 1' }), { x: 1 })).toThrow('(declared: none)');
  });
});
