import { Environment } from '@marcbachmann/cel-js';

// The CEL declarations escalation conditions are checked against at load and
// evaluated with by the SLA engine: one builder so both agree on names and types.

/** Facts about a task that an escalation `condition` may use. */
export const ESCALATION_VARIABLES = {
  percent_used: 'double',
  warning_percent: 'double',
  critical_percent: 'double',
  target_minutes: 'double',
  elapsed_minutes: 'double',
  priority: 'int',
  // `type` is a CEL builtin and cannot be declared, so the task type is `task_type`.
  task_type: 'string',
  status: 'string',
  assigned_to: 'string',
} as const;

export type EscalationFacts = {
  [K in keyof typeof ESCALATION_VARIABLES]: (typeof ESCALATION_VARIABLES)[K] extends 'double' ? number : (typeof ESCALATION_VARIABLES)[K] extends 'int' ? bigint : string;
};

export function buildEscalationEnvironment(): Environment {
  const env = new Environment();
  for (const [name, type] of Object.entries(ESCALATION_VARIABLES)) env.registerVariable(name, type);
  return env;
}

export interface ConditionCheck {
  ok: boolean;
  message?: string;
  /** Offset into the expression where the problem is. */
  offset?: number;
}

/** Parses and type-checks a condition; it must yield a bool. */
export function checkCondition(env: Environment, expression: string): ConditionCheck {
  try {
    const result = env.check(expression);
    if (!result.valid) {
      const err = result.error as { summary?: string; message: string; range?: { start?: number } } | undefined;
      return { ok: false, message: err?.summary ?? err?.message ?? 'invalid expression', offset: err?.range?.start };
    }
    if (result.type !== 'bool') return { ok: false, message: `yields ${String(result.type)}, a condition must yield bool` };
    return { ok: true };
  } catch (e) {
    const err = e as { summary?: string; message?: string; range?: { start?: number } };
    return { ok: false, message: err.summary ?? err.message ?? String(e), offset: err.range?.start };
  }
}
