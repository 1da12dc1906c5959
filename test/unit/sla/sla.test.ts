import { describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../../src/shared/api.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { evaluateSla } from '../../../src/main/sla/evaluate.js';
import { alertKey, compileEscalations, escalate } from '../../../src/main/sla/escalate.js';
import type { SlaTaskFacts } from '../../../src/main/sla/evaluate.js';
import { slaRules } from '../../support/sla-rules.js';

const CREATED = new Date('2025-06-01T12:00:00.000Z');
const minutesLater = (m: number): Date => new Date(CREATED.getTime() + m * 60_000);

// The seed's sla_rules.yaml (part 2.1 A), trimmed to what the tests use.
const SEED = slaRules(
  [
    { condition: 'percent_used >= critical_percent', action: 'alert_user', notification_channels: ['dashboard', 'log'] },
    { condition: 'percent_used >= warning_percent', action: 'highlight_task', color: 'yellow' },
  ],
  ['shell', 'deploy', 'default'],
);

const task = (over: Partial<SlaTaskFacts> = {}): SlaTaskFacts => ({
  id: 12,
  type: 'shell',
  status: 'in_progress',
  createdAt: CREATED.toISOString(),
  startedAt: null,
  priority: 5,
  assignedTo: 'dev_worker1',
  ...over,
});

describe('evaluateSla', () => {
  it.each([
    { type: 'shell', at: 0, target: 5, percent: 0, level: 'ok' },
    { type: 'shell', at: 3.9, target: 5, percent: 78, level: 'ok' },
    { type: 'shell', at: 4, target: 5, percent: 80, level: 'warning' },
    { type: 'shell', at: 5, target: 5, percent: 100, level: 'critical' },
    { type: 'shell', at: 50, target: 5, percent: 1000, level: 'critical' },
    { type: 'deploy', at: 21, target: 30, percent: 70, level: 'warning' },
    { type: 'deploy', at: 27, target: 30, percent: 90, level: 'critical' },
    { type: 'never_heard_of', at: 8, target: 10, percent: 80, level: 'warning' },
    { type: 'toString', at: 1, target: 10, percent: 10, level: 'ok' },
  ] as const)('$type after $at min → $percent% $level', ({ type, at, target, percent, level }) => {
    const e = evaluateSla(task({ type }), SEED, minutesLater(at));
    expect(e?.targetMinutes).toBe(target);
    expect(e?.percentUsed).toBeCloseTo(percent, 6);
    expect(e?.level).toBe(level);
  });

  it('counts from creation even when the task started later (queueing is part of the wait)', () => {
    const e = evaluateSla(task({ startedAt: minutesLater(3).toISOString() }), SEED, minutesLater(4));
    expect(e?.elapsedMinutes).toBeCloseTo(4, 6);
  });

  it.each<{ status: TaskStatus; completedAt: string | null; elapsed: number; open: boolean }>([
    { status: 'completed', completedAt: minutesLater(2).toISOString(), elapsed: 2, open: false },
    { status: 'pending', completedAt: null, elapsed: 9, open: true },
    { status: 'blocked', completedAt: null, elapsed: 9, open: true },
  ])('$status: clock stops at completion only for closed tasks', ({ status, completedAt, elapsed, open }) => {
    const e = evaluateSla(task({ status, completedAt }), SEED, minutesLater(9));
    expect(e?.elapsedMinutes).toBeCloseTo(elapsed, 6);
    expect(e?.open).toBe(open);
  });

  it('a clock behind the creation time gives 0, not a negative percent', () => {
    expect(evaluateSla(task(), SEED, minutesLater(-1))?.percentUsed).toBe(0);
  });

  it('no target for the type and no default → null', () => {
    const noDefault = SlaFile.parse({ version: '1', sla_targets: { shell: { target_minutes: 5 } } });
    expect(evaluateSla(task({ type: 'deploy' }), noDefault, minutesLater(1))).toBeNull();
  });
});

describe('escalate', () => {
  const compiled = compileEscalations(SEED);
  const summary = (at: number, over: Partial<SlaTaskFacts> = {}) =>
    escalate(task(over), SEED, compiled, minutesLater(at)).steps.map((s) => `${s.action}:${s.level}:${s.color ?? s.channels.join('+')}`);

  it.each([
    { at: 1, want: [] },
    { at: 4, want: ['highlight_task:warning:yellow'] },
    { at: 5, want: ['alert_user:critical:dashboard+log', 'highlight_task:critical:yellow'] },
  ])('seed rules at $at min', ({ at, want }) => {
    expect(summary(at)).toEqual(want);
  });

  it('closed tasks never escalate', () => {
    expect(summary(60, { status: 'completed', completedAt: minutesLater(59).toISOString() })).toEqual([]);
    expect(summary(60, { status: 'cancelled' })).toEqual([]);
  });

  const rulesWith = (escalation_rules: unknown[]) =>
    SlaFile.parse({ version: '1', sla_targets: { default: { target_minutes: 10 } }, escalation_rules });

  it.each([
    { condition: 'priority >= 8 && percent_used >= 50.0', over: { priority: 9 }, at: 5, fires: true },
    { condition: 'priority >= 8 && percent_used >= 50.0', over: { priority: 3 }, at: 5, fires: false },
    { condition: 'task_type == "bug_fix" && elapsed_minutes > 2.0', over: { type: 'bug_fix' }, at: 3, fires: true },
    { condition: 'task_type == "bug_fix" && elapsed_minutes > 2.0', over: { type: 'docs' }, at: 3, fires: false },
    { condition: 'status == "pending" && assigned_to == ""', over: { status: 'pending', assignedTo: null }, at: 1, fires: true },
    { condition: 'assigned_to.startsWith("dev_")', over: {}, at: 1, fires: true },
    { condition: 'target_minutes < 20.0', over: {}, at: 0, fires: true },
  ] as const)('CEL "$condition" with $over → $fires', ({ condition, over, at, fires }) => {
    const rules = rulesWith([{ condition, action: 'reassign', to_session: 'codex' }]);
    const c = compileEscalations(rules);
    expect(c.problems).toEqual([]);
    const steps = escalate(task(over), rules, c, minutesLater(at)).steps;
    expect(steps.map((s) => s.toSession)).toEqual(fires ? ['codex'] : []);
  });

  it.each([
    { condition: 'percent_used >=', hint: 'condition "percent_used >="' },
    { condition: 'percent_used + 1.0', hint: 'must yield bool' },
    { condition: 'type == "bug_fix"', hint: 'condition "type == "bug_fix""' },
    { condition: 'nope > 1', hint: 'nope' },
  ])('a bad condition "$condition" is a problem, and the other rules still run', ({ condition, hint }) => {
    const rules = rulesWith([
      { condition, action: 'alert_user' },
      { condition: 'percent_used >= 0.0', action: 'highlight_task', color: 'red' },
    ]);
    const c = compileEscalations(rules);
    expect(c.problems).toHaveLength(1);
    expect(c.problems[0]?.ruleIndex).toBe(0);
    expect(c.problems[0]?.message).toContain(hint);
    expect(escalate(task(), rules, c, minutesLater(1)).steps.map((s) => s.color)).toEqual(['red']);
  });

  it('only the first matching highlight colors the task', () => {
    const rules = rulesWith([
      { condition: 'percent_used >= 100.0', action: 'highlight_task', color: 'red' },
      { condition: 'percent_used >= 80.0', action: 'highlight_task', color: 'yellow' },
    ]);
    const c = compileEscalations(rules);
    expect(escalate(task(), rules, c, minutesLater(12)).steps.map((s) => s.color)).toEqual(['red']);
    expect(escalate(task(), rules, c, minutesLater(9)).steps.map((s) => s.color)).toEqual(['yellow']);
  });

  it('alert_user without channels goes to the dashboard and the log, with a readable message', () => {
    const rules = rulesWith([{ condition: 'percent_used >= 100.0', action: 'alert_user' }]);
    const [s] = escalate(task({ type: 'docs' }), rules, compileEscalations(rules), minutesLater(15)).steps;
    expect(s?.channels).toEqual(['dashboard', 'log']);
    expect(s?.message).toBe('task #12 (docs) is at 150% of its 10 min SLA (critical)');
  });
});

describe('alert once per level', () => {
  const compiled = compileEscalations(SEED);
  const keysAt = (m: number) =>
    escalate(task(), SEED, compiled, minutesLater(m)).steps.flatMap((s) => (s.onceKey ? [s.onceKey] : []));

  it('the same level on later ticks and after a recompile (reload) gives the same key', () => {
    const first = keysAt(5);
    expect(first).toHaveLength(1);
    expect(keysAt(7)).toEqual(first);
    expect(escalate(task(), SEED, compileEscalations(SEED), minutesLater(9)).steps.flatMap((s) => (s.onceKey ? [s.onceKey] : []))).toEqual(first);
  });

  it.each([
    { name: 'another level', a: alertKey(1, 'warning', { condition: 'x', action: 'alert_user' }), b: alertKey(1, 'critical', { condition: 'x', action: 'alert_user' }) },
    { name: 'another task', a: alertKey(1, 'critical', { condition: 'x', action: 'alert_user' }), b: alertKey(2, 'critical', { condition: 'x', action: 'alert_user' }) },
    { name: 'another condition', a: alertKey(1, 'critical', { condition: 'x', action: 'alert_user' }), b: alertKey(1, 'critical', { condition: 'y', action: 'alert_user' }) },
    { name: 'another action', a: alertKey(1, 'critical', { condition: 'x', action: 'alert_user' }), b: alertKey(1, 'critical', { condition: 'x', action: 'reassign' }) },
  ])('$name → another key', ({ a, b }) => {
    expect(a).not.toBe(b);
  });

  it('a highlight carries no once-key: it is a display state', () => {
    expect(escalate(task(), SEED, compiled, minutesLater(4)).steps.map((s) => s.onceKey)).toEqual([null]);
  });
});
