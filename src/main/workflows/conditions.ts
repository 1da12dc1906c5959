import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { resolveReference, type Resolver } from './references.js';

// Workflow conditions are CEL, like the rest of the config. References are never
// spliced into the expression as text: each `${…}` becomes a CEL variable bound to the
// resolved value, so `${steps.x.title} == 'a'` compares strings whatever the title
// holds. The seed's SQL-style `x NOT IN ('a', 'b')` and `x IN (…)` are rewritten to
// CEL `!(x in ['a', 'b'])` / `x in [...]` first.

const REFERENCE = /\$\{([^}]*)\}/g;
/** Bound references are named so they cannot collide with anything a user writes. */
const VARIABLE_PREFIX = 'wf_ref_';
/** Strings are masked with a private-use character, which no expression contains. */
const STRING_LITERAL = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g;
const STRING_MARK = /\uE000(\d+)\uE000/g;
/** An operand of IN: an identifier path, a masked string, or a number. */
const OPERAND = String.raw`([A-Za-z_][A-Za-z0-9_.]*|\uE000\d+\uE000|-?\d+(?:\.\d+)?)`;
const NOT_IN = new RegExp(`${OPERAND}\\s+NOT\\s+IN\\s*\\(([^()]*)\\)`, 'g');
const IN = new RegExp(`${OPERAND}\\s+IN\\s*\\(([^()]*)\\)`, 'g');

const env = new Environment({ unlistedVariablesAreDyn: true });
/** Compiled programs by rewritten text: a loop evaluates the same condition many times. */
const compiled = new Map<string, ParseResult>();
const MAX_COMPILED = 1000;

export class ConditionError extends Error {
  constructor(expression: string, why: string) {
    super(`condition "${expression}": ${why}`);
    this.name = 'ConditionError';
  }
}

/** The CEL text and the references it binds, before evaluation (exported for tests). */
export function rewriteCondition(expression: string): { cel: string; references: string[] } {
  const references: string[] = [];
  const withVariables = expression.replace(REFERENCE, (_, inner: string) => {
    references.push(inner.trim());
    return `${VARIABLE_PREFIX}${references.length - 1}`;
  });
  return { cel: rewriteSqlIn(withVariables), references };
}

/** `x NOT IN (a, b)` → `!(x in [a, b])`; string literals are masked so their text is never rewritten. */
export function rewriteSqlIn(expression: string): string {
  const strings: string[] = [];
  const masked = expression.replace(STRING_LITERAL, (s) => `\uE000${strings.push(s) - 1}\uE000`);
  const rewritten = masked.replace(NOT_IN, (_, x: string, list: string) => `!(${x} in [${list}])`).replace(IN, (_, x: string, list: string) => `${x} in [${list}]`);
  return rewritten.replace(STRING_MARK, (_, i: string) => strings[Number(i)] ?? '');
}

export function evaluateCondition(expression: string, r: Resolver): boolean {
  const { cel, references } = rewriteCondition(expression);
  const context: Record<string, unknown> = {};
  references.forEach((ref, i) => {
    context[`${VARIABLE_PREFIX}${i}`] = celValue(resolveReference(ref, r));
  });
  let program = compiled.get(cel);
  try {
    if (!program) {
      program = env.parse(cel);
      if (compiled.size >= MAX_COMPILED) compiled.clear();
      compiled.set(cel, program);
    }
    const result: unknown = program(context);
    if (typeof result !== 'boolean') throw new ConditionError(expression, `gives ${typeof result}, a condition must give true or false`);
    return result;
  } catch (e) {
    if (e instanceof ConditionError) throw e;
    const err = e as { summary?: string; message?: string };
    throw new ConditionError(expression, `${err.summary ?? err.message ?? String(e)} (evaluated as CEL: ${cel})`);
  }
}

/** Plain JSON-shaped data for CEL (config views are proxies; undefined is null). */
function celValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null) return JSON.parse(JSON.stringify(value)) as unknown;
  return value;
}
