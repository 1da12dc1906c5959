import { describe, expect, it } from 'vitest';
import { toPositional } from '../../../src/main/queries/postgres-params.js';

describe(':name params for PostgreSQL', () => {
  it('numbers each name once, in order of first use', () => {
    expect(toPositional('SELECT * FROM tasks WHERE status = :status AND (type = :type OR :type IS NULL) LIMIT :limit')).toEqual({
      text: 'SELECT * FROM tasks WHERE status = $1 AND (type = $2 OR $2 IS NULL) LIMIT $3',
      names: ['status', 'type', 'limit'],
      positional: [],
    });
  });

  it('leaves casts, literals, quoted names, comments and dollar quotes alone', () => {
    const sql = `SELECT :a::int, x::text, ':b', 'it''s :c', "col:d", $$ :e $$, $q$ :f $q$ -- :g
      /* :h */ FROM t WHERE y = :i`;
    const { text, names } = toPositional(sql);
    expect(names).toEqual(['a', 'i']);
    expect(text).toBe(`SELECT $1::int, x::text, ':b', 'it''s :c', "col:d", $$ :e $$, $q$ :f $q$ -- :g
      /* :h */ FROM t WHERE y = $2`);
  });

  it('reports $1-style params the SQL wrote itself', () => {
    expect(toPositional('SELECT $1, :a').positional).toEqual(['$1']);
  });
});
