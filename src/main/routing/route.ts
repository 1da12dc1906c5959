// The router: pending tasks, sessions and routing_rules.yaml in; one decision per
// task out, each with the reason an operator reads in `architect explain`. Pure:
// no clock, no database, no tmux — the assigner applies the decisions.
import type { FallbackRule, RouteRule, RoutingStrategy } from '../config/schemas/routing.js';
import { RoundFacts, describeObstacle, type Candidate } from './candidates.js';
import type {
  AssignedDecision,
  PendingTask,
  QueuedDecision,
  RoundRobinCursor,
  RouteInput,
  RouteOutput,
  RoutingDecision,
} from './types.js';

/** The schema's default priority, for a task of unknown type that has none. */
const DEFAULT_PRIORITY = 5;
/** Reasons name at most this many sessions; with 50 agents the rest is noise. */
const MAX_SESSIONS_IN_REASON = 8;
const MS_PER_SECOND = 1000;
/** An empty provider set: any agent (never a shell). */
const ANY_AGENT: ReadonlySet<string> = new Set();

interface Ordered {
  task: PendingTask;
  rule: RouteRule | null;
  priority: number;
  urgent: boolean;
  createdMs: number;
}

export function route(input: RouteInput): RouteOutput {
  const { rules, now } = input;
  const facts = new RoundFacts(rules, input.sessions);
  const cursor: Record<string, string> = { ...(input.cursor ?? {}) };
  const noSessions = findFallback(rules.fallback_rules, 'no_sessions_available');
  const unknownType = findFallback(rules.fallback_rules, 'task_type_unknown');
  const retryAfter = noSessions?.retry_after_seconds ?? null;
  const nowMs = now.getTime();

  // Once the idle sessions are used up, every further task of a type meets the
  // same obstacles: remember the verdict until the next assignment changes them.
  const blocked = new Map<string, { version: number; reason: string }>();
  const decisions: RoutingDecision[] = [];
  for (const o of orderTasks(input.tasks, rules.environment_routing)) {
    const { task, rule } = o;
    const notBeforeMs = task.notBefore ? Date.parse(task.notBefore) : NaN;
    if (notBeforeMs > nowMs) {
      const seconds = Math.ceil((notBeforeMs - nowMs) / MS_PER_SECOND);
      decisions.push(queued(o, 'not_before', seconds, `queued: not before ${task.notBefore} (retry back-off); retry in ${seconds} s`));
      continue;
    }

    if (task.routeTo) {
      // Sent to one session by name: there or nowhere (still never to an excluded
      // session or a pane without an agent; any agent will do).
      const name = task.routeTo;
      const obstacle = facts.obstacle(name, ANY_AGENT);
      if (obstacle) {
        decisions.push(queued(o, 'no_session_available', retryAfter, `queued: sent to ${name} by name; ${describeObstacle(name, obstacle)}${retryText(retryAfter)}`));
        continue;
      }
      facts.take(name, task.id);
      decisions.push(assigned(o, name, 'preferred_order', `assigned to ${name} (sent there by name)`));
      continue;
    }

    if (!rule) {
      if (!unknownType) {
        decisions.push(queued(o, 'type_unknown', null, `queued: no rule for type "${task.type}" and no task_type_unknown fallback`));
        continue;
      }
      const name = unknownType.default_session;
      const obstacle = facts.obstacle(name, facts.providers(task.type, null));
      if (obstacle) {
        const why = `queued: unknown type "${task.type}" goes to default session ${name}; ${describeObstacle(name, obstacle)}${retryText(retryAfter)}`;
        decisions.push(queued(o, 'no_session_available', retryAfter, why));
        continue;
      }
      facts.take(name, task.id);
      decisions.push(assigned(o, name, 'preferred_order', `assigned to ${name} (default session for unknown type "${task.type}")`));
      continue;
    }

    // A task kept from one session (it timed out there) is its type's own case: every
    // candidate read, the avoided one left out, and no verdict shared with its type.
    const avoid = task.avoid ?? null;
    const seen = avoid === null ? blocked.get(task.type) : undefined;
    if (seen && seen.version === facts.version) {
      decisions.push(queued(o, 'no_session_available', retryAfter, seen.reason));
      continue;
    }
    const providers = facts.providers(task.type, rule);
    const all = facts.candidates(rule.preferred_sessions, providers, rule.strategy === 'preferred_order' && avoid === null);
    const candidates = avoid === null ? all : all.filter((c) => c.name !== avoid);
    const picked = pick(rule.strategy, candidates, task.type, cursor, input.load);
    if (!picked) {
      if (avoid !== null && all.some((c) => c.name === avoid && c.obstacle === null)) {
        decisions.push(queued(o, 'avoid', null, `queued: not given back to ${avoid}, which timed out on it`));
        continue;
      }
      const reason = noSessionReason(all, retryAfter);
      if (avoid === null) blocked.set(task.type, { version: facts.version, reason });
      decisions.push(queued(o, 'no_session_available', retryAfter, reason));
      continue;
    }
    facts.take(picked.candidate.name, task.id);
    if (rule.strategy === 'round_robin') cursor[task.type] = picked.candidate.name;
    // The session left out is named: without it a timed-out task's next holder reads
    // as if its preferred session had never been considered.
    const leftOut = avoid !== null && all.some((c) => c.name === avoid) ? `; not given back to ${avoid}, which timed out on it` : '';
    decisions.push(assigned(o, picked.candidate.name, rule.strategy, `assigned to ${picked.candidate.name} (${picked.why}${leftOut})`));
  }
  return { decisions, cursor };
}

/** Urgent first, then effective priority (highest first), then oldest, then lowest id. */
function orderTasks(tasks: readonly PendingTask[], byType: Record<string, RouteRule>): Ordered[] {
  const ordered = tasks.map((task): Ordered => {
    const rule = Object.hasOwn(byType, task.type) ? (byType[task.type] ?? null) : null;
    return {
      task,
      rule,
      priority: task.priority ?? rule?.priority ?? DEFAULT_PRIORITY,
      urgent: task.urgent === true || (rule?.urgent ?? false),
      createdMs: Date.parse(task.createdAt),
    };
  });
  ordered.sort(
    (a, b) =>
      Number(b.urgent) - Number(a.urgent) ||
      b.priority - a.priority ||
      a.createdMs - b.createdMs ||
      a.task.id - b.task.id,
  );
  return ordered;
}

interface Pick {
  candidate: Candidate;
  why: string;
}

function pick(
  strategy: RoutingStrategy,
  candidates: readonly Candidate[],
  type: string,
  cursor: RoundRobinCursor,
  load: ReadonlyMap<string, number> | undefined,
): Pick | null {
  switch (strategy) {
    case 'preferred_order': {
      const i = candidates.findIndex((c) => c.obstacle === null);
      const c = candidates[i];
      if (!c) return null;
      const skipped = candidates.slice(0, i).filter((s) => s.preferredRank !== null);
      const passedOver = skipped.map((s) => (s.obstacle ? describeObstacle(s.name, s.obstacle) : '')).join('; ');
      const where =
        c.preferredRank !== null
          ? `preferred #${c.preferredRank} for ${type}`
          : `idle ${c.session?.agent ?? ''} session, not preferred for ${type}`;
      return { candidate: c, why: passedOver ? `${where}; ${passedOver}` : where };
    }
    case 'round_robin': {
      const last = cursor[type];
      const start = last === undefined ? 0 : candidates.findIndex((c) => c.name === last) + 1;
      for (let k = 0; k < candidates.length; k++) {
        const c = candidates[(start + k) % candidates.length];
        if (c && c.obstacle === null) {
          const after = last === undefined ? 'first turn' : `next after ${last}`;
          return { candidate: c, why: `round robin for ${type}, ${after}` };
        }
      }
      return null;
    }
    case 'least_loaded': {
      let best: Candidate | null = null;
      let bestLoad = Infinity;
      // Candidates are already in preference order, so a tie keeps the preferred one.
      for (const c of candidates) {
        if (c.obstacle !== null) continue;
        const n = load?.get(c.name) ?? 0;
        if (n < bestLoad) {
          best = c;
          bestLoad = n;
        }
      }
      if (!best) return null;
      const plural = bestLoad === 1 ? '' : 's';
      return { candidate: best, why: `least loaded for ${type}: ${bestLoad} recent task${plural}` };
    }
  }
}

function noSessionReason(candidates: readonly Candidate[], retryAfter: number | null): string {
  const shown = candidates.slice(0, MAX_SESSIONS_IN_REASON);
  const more = candidates.length - shown.length;
  const names = shown.map((c) => c.name).join(', ') + (more > 0 ? `, … ${more} more` : '');
  const why = shown.map((c) => (c.obstacle ? describeObstacle(c.name, c.obstacle) : '')).filter(Boolean);
  const among = candidates.length === 0 ? 'queued: no session runs a supported provider' : `queued: no idle session among [${names}]`;
  return [among, ...why].join('; ') + retryText(retryAfter);
}

// Decisions are built with every field spelled out: a spread of a shared base
// made each one a slow dictionary object (2.4 µs a decision, measured).
function queued(o: Ordered, cause: QueuedDecision['cause'], retryAfterSeconds: number | null, reason: string): QueuedDecision {
  return { kind: 'queued', taskId: o.task.id, cause, retryAfterSeconds, priority: o.priority, urgent: o.urgent, rule: o.rule ? o.task.type : null, reason };
}

function assigned(o: Ordered, session: string, strategy: RoutingStrategy, reason: string): AssignedDecision {
  return { kind: 'assigned', taskId: o.task.id, session, priority: o.priority, urgent: o.urgent, rule: o.rule ? o.task.type : null, strategy, reason };
}

function retryText(seconds: number | null): string {
  return seconds === null ? '' : `; retry in ${seconds} s`;
}

function findFallback<C extends FallbackRule['condition']>(
  rules: readonly FallbackRule[],
  condition: C,
): Extract<FallbackRule, { condition: C }> | undefined {
  return rules.find((r): r is Extract<FallbackRule, { condition: C }> => r.condition === condition);
}
