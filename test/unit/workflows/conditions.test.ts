import { describe, expect, it } from 'vitest';
import { evaluateCondition, rewriteCondition, rewriteSqlIn } from '../../../src/main/workflows/conditions.js';
import { resolveValue, type Resolver } from '../../../src/main/workflows/references.js';
import { snapshot } from './harness.js';

function resolver(steps: Record<string, unknown>, query: Record<string, unknown> | null = null): Resolver {
  return { scope: { runId: 1, input: { n: 3, who: 'dev_worker1' }, steps, query, rows: {}, trigger: { type: 'api', body: { title: 'Search' } } }, config: snapshot({ w: { steps: [{ id: 'a', type: 'wait', seconds: 1 }] } }), readRow: () => null };
}

describe('rewriteSqlIn', () => {
  it.each([
    ["x NOT IN ('completed', 'failed')", "!(x in ['completed', 'failed'])"],
    ["x IN ('a')", "x in ['a']"],
    ['wf_ref_0 NOT IN (1, 2) && y', '!(wf_ref_0 in [1, 2]) && y'],
    ["'a NOT IN (b)' == s", "'a NOT IN (b)' == s"],
    ["s == \"x IN (y)\"", 's == "x IN (y)"'],
    ['x in [1, 2]', 'x in [1, 2]'],
  ])('%s → %s', (input, expected) => {
    expect(rewriteSqlIn(input)).toBe(expected);
  });

  it('binds references as variables, never as text', () => {
    expect(rewriteCondition("${steps.t.status} NOT IN ('completed')")).toEqual({ cel: "!(wf_ref_0 in ['completed'])", references: ['steps.t.status'] });
  });
});

describe('evaluateCondition', () => {
  it("evaluates the seed's NOT IN on a step's status", () => {
    const c = "${steps.create_task.status} NOT IN ('completed', 'failed')";
    expect(evaluateCondition(c, resolver({ create_task: { status: 'pending' } }))).toBe(true);
    expect(evaluateCondition(c, resolver({ create_task: { status: 'failed' } }))).toBe(false);
  });

  it("compares the seed's SLA condition with numbers from query and config", () => {
    const c = '${query.elapsed_minutes} > ${config.sla_rules[steps.create_task.type].target_minutes}';
    expect(evaluateCondition(c, resolver({ create_task: { type: 'bug_fix' } }, { elapsed_minutes: 31.5 }))).toBe(true);
    expect(evaluateCondition(c, resolver({ create_task: { type: 'bug_fix' } }, { elapsed_minutes: 12 }))).toBe(false);
  });

  it('a value that looks like code stays a value', () => {
    const r = resolver({ t: { title: "x' || true || 'y" } });
    expect(evaluateCondition("${steps.t.title} == 'safe'", r)).toBe(false);
  });

  it('a config boolean is a condition; a missing value is null', () => {
    expect(evaluateCondition('${config.routing_rules.feature_development.requires_env}', resolver({}))).toBe(true);
    expect(evaluateCondition('${steps.nothing.here} == null', resolver({}))).toBe(true);
  });

  it('rejects a condition that is not true or false, saying which', () => {
    expect(() => evaluateCondition('${input.who}', resolver({}))).toThrow(/condition "\$\{input.who\}": gives string/);
    expect(() => evaluateCondition('${input.n} >', resolver({}))).toThrow(/evaluated as CEL: wf_ref_0 >/);
  });
});

describe('resolveValue', () => {
  it('keeps the type of a whole reference and writes references into text', () => {
    const r = resolver({ create_task: { id: 7, metadata: { title: 'Fix' } } });
    expect(resolveValue({ a: '${steps.create_task.id}', b: 'Task ${steps.create_task.id}: ${steps.create_task.metadata.title}', c: ['${input.n}'], d: 5 }, r)).toEqual({
      a: 7,
      b: 'Task 7: Fix',
      c: [3],
      d: 5,
    });
  });

  it('resolves the per-type config shorthand and bracket keys', () => {
    const r = resolver({ create_task: { type: 'feature_development' } });
    expect(resolveValue('${config.routing_rules.feature_development.port_range}', r)).toEqual([43100, 43199]);
    expect(resolveValue('${config.routing_rules.environment_routing.bug_fix.priority}', r)).toBe(9);
    expect(resolveValue('${config.sla_rules[steps.create_task.type].target_minutes}', r)).toBe(240);
  });

  it('gives null for what is not there and an error for an unknown scope', () => {
    expect(resolveValue('${steps.skipped.branch_name}', resolver({}))).toBeNull();
    expect(resolveValue('x${steps.skipped.branch_name}y', resolver({}))).toBe('xy');
    expect(() => resolveValue('${nope.a}', resolver({}))).toThrow(/unknown scope "nope"/);
  });
});
