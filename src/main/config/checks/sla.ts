import type { ConfigProblem } from '../../../shared/api.js';
import { buildEscalationEnvironment, checkCondition, ESCALATION_VARIABLES } from '../cel.js';
import { suggestion } from '../did-you-mean.js';
import { problemAt } from '../problems.js';
import type { SectionCheck } from '../sections.js';

const FILE = 'sla_rules';

export const checkSla: SectionCheck = (config, locate) => {
  const out: ConfigProblem[] = [];
  const sla = config.sla_rules;
  for (const [type, target] of Object.entries(sla.sla_targets)) {
    if (target.warning_percent > target.critical_percent) {
      out.push(problemAt(locate(FILE, ['sla_targets', type, 'warning_percent']), `warning_percent of ${type} (${target.warning_percent}) is above its critical_percent (${target.critical_percent}); the warning must come first`));
    }
  }
  const excluded = new Set(config.routing_rules.excluded_sessions);
  sla.escalation_rules.forEach((rule, i) => {
    if (rule.to_session === undefined) return;
    if (rule.action !== 'reassign') {
      out.push(problemAt(locate(FILE, ['escalation_rules', i, 'to_session'], { key: true }), `to_session applies to action reassign only, not ${rule.action}`));
    } else if (excluded.has(rule.to_session)) {
      out.push(problemAt(locate(FILE, ['escalation_rules', i, 'to_session']), `to_session "${rule.to_session}" is in excluded_sessions, so the task could never go there`));
    }
  });
  const env = buildEscalationEnvironment();
  sla.escalation_rules.forEach((rule, i) => {
    const result = checkCondition(env, rule.condition);
    if (result.ok) return;
    const unknown = /Unknown variable: (\w+)/.exec(result.message ?? '');
    const hint = unknown?.[1] ? suggestion(unknown[1], Object.keys(ESCALATION_VARIABLES)) : '';
    const at = result.offset !== undefined ? ` at character ${result.offset + 1}` : '';
    out.push(problemAt(locate(FILE, ['escalation_rules', i, 'condition']), `condition "${rule.condition}"${at}: ${result.message ?? 'invalid'}${hint}`));
  });
  return out;
};
