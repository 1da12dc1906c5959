// Named queries write their params as SQLite does, `:name`. PostgreSQL numbers them
// ($1, $2…): this turns one into the other, the same name always the same number, and
// leaves alone what only looks like a param — text in quotes ('…', "…", $tag$…$tag$),
// comments, and PostgreSQL's casts (`x::int`).

export interface PositionalSql {
  text: string;
  /** The param name for $1, $2, … in order. */
  names: string[];
  /** `$1`-style params the SQL wrote itself (not allowed: params are declared by name). */
  positional: string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

export function toPositional(sql: string): PositionalSql {
  const names: string[] = [];
  const positional: string[] = [];
  let out = '';
  let i = 0;
  const copyUntil = (end: string, from: number): number => {
    const at = sql.indexOf(end, from);
    const stop = at === -1 ? sql.length : at + end.length;
    out += sql.slice(i, stop);
    return stop;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1] ?? '';
    if (ch === "'") {
      // '' inside a literal is a quote: scanning on from the closing quote handles it.
      i = copyUntil("'", i + 1);
    } else if (ch === '"') {
      i = copyUntil('"', i + 1);
    } else if (ch === '-' && next === '-') {
      i = copyUntil('\n', i + 2);
    } else if (ch === '/' && next === '*') {
      i = copyUntil('*/', i + 2);
    } else if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const number = /^\$\d+/.exec(sql.slice(i));
      if (tag) {
        i = copyUntil(tag[0], i + tag[0].length);
      } else {
        if (number) positional.push(number[0]);
        out += number ? number[0] : ch;
        i += number ? number[0].length : 1;
      }
    } else if (ch === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (ch === ':' && NAME_START.test(next)) {
      let end = i + 1;
      while (end < sql.length && NAME_PART.test(sql[end]!)) end++;
      const name = sql.slice(i + 1, end);
      let n = names.indexOf(name);
      if (n === -1) n = names.push(name) - 1;
      out += `$${n + 1}`;
      i = end;
    } else {
      out += ch;
      i++;
    }
  }
  return { text: out, names, positional };
}
