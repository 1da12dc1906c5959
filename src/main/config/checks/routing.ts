import type { ConfigProblem } from '../../../shared/api.js';
import { suggestion } from '../did-you-mean.js';
import { problemAt } from '../problems.js';
import type { SectionCheck } from '../sections.js';

const FILE = 'routing_rules';

/** Excluded sessions never get work, so naming one as a target is always a mistake. */
export const checkRouting: SectionCheck = (config, locate) => {
  const out: ConfigProblem[] = [];
  const routing = config.routing_rules;
  const excluded = new Set(routing.excluded_sessions);
  for (const [type, route] of Object.entries(routing.environment_routing)) {
    route.preferred_sessions.forEach((name, i) => {
      if (excluded.has(name)) {
        out.push(problemAt(locate(FILE, ['environment_routing', type, 'preferred_sessions', i]), `preferred session "${name}" of ${type} is in excluded_sessions, so it would never be chosen`));
      }
    });
    if (route.port_range && route.port_range[0] > route.port_range[1]) {
      out.push(problemAt(locate(FILE, ['environment_routing', type, 'port_range']), `port_range of ${type} is [first, last]: ${route.port_range[0]} is after ${route.port_range[1]}`));
    }
    route.supported_providers?.forEach((p, i) => {
      if (!routing.supported_providers.includes(p)) {
        out.push(problemAt(locate(FILE, ['environment_routing', type, 'supported_providers', i]), `provider "${p}" of ${type} is not in the top-level supported_providers${suggestion(p, routing.supported_providers)}`));
      }
    });
  }
  // A provider the router can never pick is accepted and ignored: refuse it. It must
  // name an agent of agents.yaml (or a `provider:` of one), and some agent it stands
  // for must have a rule that reads it idle (the router only hands work to idle agents).
  const agents = config.agents;
  if (agents) {
    const names = Object.keys(agents.agents);
    const vendors = [...new Set(Object.values(agents.agents).map((m) => m.provider).filter((p): p is string => !!p))];
    routing.supported_providers.forEach((p, i) => {
      const standsFor = Object.entries(agents.agents).filter(([key, m]) => key === p || m.provider === p);
      const at = locate(FILE, ['supported_providers', i]);
      if (standsFor.length === 0) {
        out.push(problemAt(at, `provider "${p}" has no agent in agents.yaml, so no session could ever run it${suggestion(p, [...names, ...vendors])} (agents: ${names.join(', ')})`));
      } else if (!standsFor.some(([, m]) => m.rules.some((r) => r.state === 'idle'))) {
        out.push(problemAt(at, `provider "${p}": agents.yaml has no rule that reads ${standsFor.map(([k]) => k).join(', ')} idle, so the router (which hands work to idle agents) would never pick it`));
      }
    });
  }
  routing.fallback_rules.forEach((rule, i) => {
    if (rule.condition === 'task_type_unknown' && excluded.has(rule.default_session)) {
      out.push(problemAt(locate(FILE, ['fallback_rules', i, 'default_session']), `default_session "${rule.default_session}" is in excluded_sessions, so unknown task types could never be routed`));
    }
  });
  return out;
};

/** Routing tests must name sessions the case declares; running them is the router's job. */
export const checkRoutingTests: SectionCheck = (config, locate) => {
  const out: ConfigProblem[] = [];
  const types = Object.keys(config.routing_rules.environment_routing);
  config.routing_tests?.cases.forEach((c, i) => {
    const names = c.sessions.map((s) => s.name);
    if ('session' in c.expect && !names.includes(c.expect.session)) {
      out.push(problemAt(locate('routing_tests', ['cases', i, 'expect', 'session']), `case "${c.name}" expects session "${c.expect.session}", which is not among its sessions${suggestion(c.expect.session, names)}`));
    }
    const hint = suggestion(c.task.type, types);
    // A misspelt type silently tests the fallback path; only flag near-misses.
    if (!types.includes(c.task.type) && hint) {
      out.push(problemAt(locate('routing_tests', ['cases', i, 'task', 'type']), `case "${c.name}": task type "${c.task.type}" has no route${hint}`));
    }
  });
  return out;
};
