import type { RoutingFile } from '../config/schemas/routing.js';
import type { SlaFile } from '../config/schemas/sla.js';
import type { WorkflowsFile } from '../config/schemas/workflows.js';

/** A session name the config gives, and where: file key and path, as `locate` takes them. */
export interface ConfigSessionName {
  name: string;
  file: 'routing_rules' | 'sla_rules' | 'workflows';
  at: Array<string | number>;
}

/** A config name that names no session now, while a session once named so carries its server's name. */
export interface RenamedSession extends ConfigSessionName {
  /** What the session(s) that name meant are called now: `b:w1`, `HOST:w1`. */
  now: string[];
}

/**
 * Every session the config sends work to: routing targets, SLA and workflow reassigns.
 * Not `excluded_sessions`: a plain name there excludes that tmux session on every server.
 */
export function configSessionNames(config: { routing: RoutingFile; sla: SlaFile; workflows: WorkflowsFile }): ConfigSessionName[] {
  const out: ConfigSessionName[] = [];
  for (const [type, route] of Object.entries(config.routing.environment_routing)) {
    route.preferred_sessions.forEach((name, i) => out.push({ name, file: 'routing_rules', at: ['environment_routing', type, 'preferred_sessions', i] }));
  }
  config.routing.fallback_rules.forEach((rule, i) => {
    if ('default_session' in rule) out.push({ name: rule.default_session, file: 'routing_rules', at: ['fallback_rules', i, 'default_session'] });
  });
  config.sla.escalation_rules.forEach((rule, i) => {
    if (rule.to_session) out.push({ name: rule.to_session, file: 'sla_rules', at: ['escalation_rules', i, 'to_session'] });
  });
  for (const [id, wf] of Object.entries(config.workflows.workflows)) {
    wf.error_handling.forEach((h, i) => {
      if ('to_session' in h && h.to_session) out.push({ name: h.to_session, file: 'workflows', at: ['workflows', id, 'error_handling', i, 'to_session'] });
    });
  }
  return out;
}

/**
 * Config names that no longer name a session because the session now carries its
 * server's or its machine's name: `w1` in a rule while the only `w1` runs on the second
 * local server (`b:w1`), on a remote host, or (on a shared queue) is `HOST:w1`. Such a
 * rule silently matches nothing (a preferred session never chosen, an exclusion that
 * excludes nothing), so the operator is told. A name some session still has is fine,
 * whatever other servers run.
 */
export function renamedSessions(names: readonly ConfigSessionName[], sessions: ReadonlyArray<{ name: string; server: string }>): RenamedSession[] {
  const current = new Set<string>();
  const formerly = new Map<string, Set<string>>();
  for (const s of sessions) {
    current.add(s.name);
    // tmux turns `:` in a session name into `_`: the last `:` ends the qualifier (`b@HOST:w1`).
    const colon = s.name.lastIndexOf(':');
    if (colon < 0) continue;
    const qualifier = s.name.slice(0, colon);
    const plain = s.name.slice(colon + 1);
    // A session with several agents names its panes `b:w1.0.1`; a rule naming `w1` meant the session.
    for (const old of [plain, plain.replace(/\.\d+\.\d+$/, '')]) {
      const now = formerly.get(old) ?? new Set<string>();
      now.add(old === plain ? s.name : `${qualifier}:${old}`);
      formerly.set(old, now);
    }
  }
  const out: RenamedSession[] = [];
  for (const n of names) {
    const now = formerly.get(n.name);
    if (!now || current.has(n.name) || [...current].some((c) => c.startsWith(`${n.name}.`))) continue;
    out.push({ ...n, now: [...now].sort() });
  }
  return out;
}

/** One line an operator can act on: what the rule says, what the session is called now. */
export function renamedMessage(r: RenamedSession): string {
  const field = r.at.filter((p) => typeof p === 'string').at(-1);
  return `${field} "${r.name}" names no session now: that session is named ${r.now.map((n) => `"${n}"`).join(' or ')}` +
    ' (sessions on every local tmux server after the first watched one are named socket:session, and on a shared queue every local session carries' +
    ` this machine's name, HOST:session; write "${r.now[0]}" here)`;
}
