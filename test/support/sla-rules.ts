import type { z } from 'zod';
import { SlaFile } from '../../src/main/config/schemas/sla.js';

// The SLA targets of the seed's sla_rules.yaml (part 2.1 A) that the tests and the SLA
// bench use: the shell one crosses warning at 4 min and critical at 5, the deploy one
// has its own percents (70 / 90). Each test names the escalation rules it is about.

type SlaInput = z.input<typeof SlaFile>;

export const SLA_TARGETS = {
  shell: { target_minutes: 5, warning_percent: 80, critical_percent: 100 },
  deploy: { target_minutes: 30, warning_percent: 70, critical_percent: 90 },
  claude_task: { target_minutes: 60, warning_percent: 80, critical_percent: 100 },
  default: { target_minutes: 10, warning_percent: 80, critical_percent: 100 },
} satisfies SlaInput['sla_targets'];

export type SlaTargetName = keyof typeof SLA_TARGETS;

/** An SLA file of the named targets (all four unless named) and these escalation rules. */
export function slaRules(escalations: SlaInput['escalation_rules'], targets: readonly SlaTargetName[] = ['shell', 'deploy', 'claude_task', 'default']): SlaFile {
  return SlaFile.parse({ version: '1.0', sla_targets: Object.fromEntries(targets.map((t) => [t, SLA_TARGETS[t]])), escalation_rules: escalations });
}
