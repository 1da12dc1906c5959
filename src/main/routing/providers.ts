import type { AgentsFile } from '../config/schemas/agents.js';
import type { RoutingFile } from '../config/schemas/routing.js';

// routing_rules.yaml's supported_providers name agents (claude, codex) or providers
// (anthropic, openai: the `provider:` of an agent in agents.yaml). The router compares
// sessions by agent, so a provider stands for every agent that names it.

/** Every agent a provider name stands for, by agents.yaml: the agent itself, and agents whose `provider:` it is. */
export function agentsForProvider(name: string, agents: AgentsFile | null): string[] {
  if (!agents) return [name];
  const out = Object.entries(agents.agents)
    .filter(([key, m]) => key === name || m.provider === name)
    .map(([key]) => key);
  return out.length > 0 ? out : [name];
}

const cache = new WeakMap<RoutingFile, { agents: AgentsFile | null; expanded: RoutingFile }>();

/** The rules with provider names in supported_providers replaced by the agents they stand for (the same object when none is). */
export function expandProviders(routing: RoutingFile, agents: AgentsFile | null): RoutingFile {
  const hit = cache.get(routing);
  if (hit && hit.agents === agents) return hit.expanded;
  const expand = (list: readonly string[]): string[] => [...new Set(list.flatMap((p) => agentsForProvider(p, agents)))];
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  const top = expand(routing.supported_providers);
  let changed = !same(top, routing.supported_providers);
  const environment_routing = Object.fromEntries(
    Object.entries(routing.environment_routing).map(([type, rule]) => {
      if (!rule.supported_providers) return [type, rule];
      const list = expand(rule.supported_providers);
      if (same(list, rule.supported_providers)) return [type, rule];
      changed = true;
      return [type, { ...rule, supported_providers: list }];
    }),
  );
  const expanded = changed ? { ...routing, supported_providers: top, environment_routing } : routing;
  cache.set(routing, { agents, expanded });
  return expanded;
}
