// Escalation: which of sla_rules.yaml's escalation_rules hold for a task now, and
// what to do. Conditions are CEL (src/main/config/cel.ts declares the facts),
// compiled once per config snapshot; evaluating them is pure.
import { createHash } from 'node:crypto';
import type { ParseResult } from '@marcbachmann/cel-js';
import { buildEscalationEnvironment, checkCondition, type EscalationFacts } from '../config/cel.js';
import type { EscalationAction, EscalationRule, NotificationChannel, SlaFile } from '../config/schemas/sla.js';
import { evaluateSla, type SlaEvaluation, type SlaLevel, type SlaTaskFacts } from './evaluate.js';

/** Where an alert goes when the rule names no channel: visible in the app and kept in the log. */
export const DEFAULT_ALERT_CHANNELS: readonly NotificationChannel[] = ['dashboard', 'log'];
/** Enough of a hash to tell conditions apart in a dedupe key, short enough to read. */
const FINGERPRINT_LENGTH = 12;

export interface EscalationProblem {
  ruleIndex: number;
  message: string;
}

/** The escalation rules of one config snapshot, parsed and type-checked. */
export interface CompiledEscalations {
  /** Same length as escalation_rules; null where the condition did not compile. */
  conditions: ReadonlyArray<ParseResult | null>;
  problems: EscalationProblem[];
}

export interface EscalationStep {
  ruleIndex: number;
  action: EscalationAction;
  level: SlaLevel;
  /** highlight_task only. */
  color: string | null;
  /** alert_user only. */
  channels: NotificationChannel[];
  /** reassign only; null lets the router pick. */
  toSession: string | null;
  message: string;
  /**
   * alert_user and reassign happen once per task, level and rule: this is the
   * `notifications.dedupe_key` that makes a reload or restart not repeat them.
   * null for highlight_task, a display state recomputed on every tick.
   */
  onceKey: string | null;
}

export interface EscalationResult {
  evaluation: SlaEvaluation | null;
  steps: EscalationStep[];
  /** Conditions that failed at run time (say, an int overflow); the others still apply. */
  problems: EscalationProblem[];
}

export function compileEscalations(rules: SlaFile): CompiledEscalations {
  const env = buildEscalationEnvironment();
  const problems: EscalationProblem[] = [];
  const conditions = rules.escalation_rules.map((rule, ruleIndex) => {
    const check = checkCondition(env, rule.condition);
    if (!check.ok) {
      problems.push({ ruleIndex, message: `condition "${rule.condition}": ${check.message ?? 'invalid'}` });
      return null;
    }
    return env.parse(rule.condition);
  });
  return { conditions, problems };
}

/** The CEL variables for a task; names match src/main/config/cel.ts. */
export function escalationFacts(task: SlaTaskFacts, e: SlaEvaluation): EscalationFacts {
  return {
    percent_used: e.percentUsed,
    warning_percent: e.warningPercent,
    critical_percent: e.criticalPercent,
    target_minutes: e.targetMinutes,
    elapsed_minutes: e.elapsedMinutes,
    priority: BigInt(Math.trunc(task.priority)),
    task_type: task.type,
    status: task.status,
    assigned_to: task.assignedTo ?? '',
  };
}

/**
 * Every rule whose condition holds, in file order. A task shows one color, so
 * only the first matching highlight_task counts. Closed tasks never escalate.
 */
export function escalate(task: SlaTaskFacts, rules: SlaFile, compiled: CompiledEscalations, now: Date): EscalationResult {
  const evaluation = evaluateSla(task, rules, now);
  if (!evaluation || !evaluation.open) return { evaluation, steps: [], problems: [] };
  const facts = escalationFacts(task, evaluation);
  const steps: EscalationStep[] = [];
  const problems: EscalationProblem[] = [];
  let highlighted = false;
  rules.escalation_rules.forEach((rule, ruleIndex) => {
    const condition = compiled.conditions[ruleIndex];
    if (!condition) return;
    let holds: unknown;
    try {
      holds = condition(facts);
    } catch (e) {
      problems.push({ ruleIndex, message: `condition "${rule.condition}": ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    if (holds !== true) return;
    if (rule.action === 'highlight_task') {
      if (highlighted) return;
      highlighted = true;
    }
    steps.push(step(task, rule, ruleIndex, evaluation));
  });
  return { evaluation, steps, problems };
}

function step(task: SlaTaskFacts, rule: EscalationRule, ruleIndex: number, e: SlaEvaluation): EscalationStep {
  const percent = Math.round(e.percentUsed);
  const message =
    rule.message ?? `task #${task.id} (${task.type}) is at ${percent}% of its ${e.targetMinutes} min SLA (${e.level})`;
  return {
    ruleIndex,
    action: rule.action,
    level: e.level,
    color: rule.action === 'highlight_task' ? (rule.color ?? null) : null,
    channels: rule.action === 'alert_user' ? [...(rule.notification_channels ?? DEFAULT_ALERT_CHANNELS)] : [],
    toSession: rule.action === 'reassign' ? (rule.to_session ?? null) : null,
    message,
    onceKey: rule.action === 'highlight_task' ? null : alertKey(task.id, e.level, rule),
  };
}

/**
 * `sla:<task>:<level>:<action>:<fingerprint of the condition>`. Keyed by the
 * condition's text, not its position, so reordering the rules or reloading does
 * not re-send an alert; a new level does.
 */
export function alertKey(taskId: number, level: SlaLevel, rule: Pick<EscalationRule, 'condition' | 'action'>): string {
  const fingerprint = createHash('sha256').update(rule.condition).digest('hex').slice(0, FINGERPRINT_LENGTH);
  return `sla:${taskId}:${level}:${rule.action}:${fingerprint}`;
}
