// Which sessions may take a task of a given type, in which order, and why the
// others may not. The "why not" is kept as data so the decision's reason can tell
// the operator exactly what stood in the way.
import type { RoutingFile, RouteRule } from '../config/schemas/routing.js';
import type { RoutableSession } from './types.js';

/** Panes that run no agent: a prompt typed there would run as a shell command. */
const NOT_AN_AGENT: ReadonlySet<string> = new Set(['shell', 'other', 'unknown', '']);

export type Obstacle =
  | { kind: 'absent' }
  | { kind: 'excluded' }
  | { kind: 'provider'; agent: string }
  | { kind: 'state'; state: string }
  | { kind: 'holds_task'; taskId: number }
  | { kind: 'taken'; taskId: number };

export interface Candidate {
  name: string;
  /** 1-based position in preferred_sessions, or null for "any other session". */
  preferredRank: number | null;
  session: RoutableSession | null;
  obstacle: Obstacle | null;
}

/** What stays the same for every task in one routing round. */
export class RoundFacts {
  readonly excluded: ReadonlySet<string>;
  readonly byName: ReadonlyMap<string, RoutableSession>;
  /** Session names in a stable order, for "any other session" and round robin. */
  readonly namesSorted: readonly string[];
  /** Session name → task given to it earlier in this round. */
  private readonly taken = new Map<string, number>();
  /** Bumped on every assignment: candidate lists computed at the same version are still true. */
  version = 0;
  private readonly providersByType = new Map<string, ReadonlySet<string>>();
  private readonly topProviders: ReadonlySet<string>;
  /** Per provider set: how many of namesSorted are known to be blocked (see candidates). */
  private readonly blockedPrefix = new Map<ReadonlySet<string>, number>();

  constructor(
    readonly rules: RoutingFile,
    sessions: readonly RoutableSession[],
  ) {
    this.excluded = new Set(rules.excluded_sessions);
    this.topProviders = new Set(rules.supported_providers);
    const byName = new Map<string, RoutableSession>();
    // Two panes with one name: the first wins, so a session is never counted twice.
    for (const s of sessions) if (!byName.has(s.name)) byName.set(s.name, s);
    this.byName = byName;
    this.namesSorted = [...byName.keys()].sort();
  }

  take(name: string, taskId: number): void {
    this.taken.set(name, taskId);
    this.version++;
  }

  providers(type: string, rule: RouteRule | null): ReadonlySet<string> {
    if (!rule?.supported_providers) return this.topProviders;
    let set = this.providersByType.get(type);
    if (!set) {
      set = new Set(rule.supported_providers);
      this.providersByType.set(type, set);
    }
    return set;
  }

  /** Why `name` cannot take a task now, or null when it can. */
  obstacle(name: string, providers: ReadonlySet<string>): Obstacle | null {
    if (this.excluded.has(name)) return { kind: 'excluded' };
    const session = this.byName.get(name);
    if (!session) return { kind: 'absent' };
    // An empty provider list means "any agent"; a pane without an agent is never a
    // candidate, whatever the list says, because the prompt would run as a command.
    const agentOk = !NOT_AN_AGENT.has(session.agent) && (providers.size === 0 || providers.has(session.agent));
    if (!agentOk) return { kind: 'provider', agent: session.agent };
    if (session.state !== 'idle') return { kind: 'state', state: session.state };
    const holding = session.currentTaskId;
    if (holding !== null && holding !== undefined) return { kind: 'holds_task', taskId: holding };
    const taken = this.taken.get(name);
    if (taken !== undefined) return { kind: 'taken', taskId: taken };
    return null;
  }

  /**
   * Preferred sessions in order, then every other session by name. Other sessions
   * that could never take work (excluded, not an agent) are left out: listing them
   * in every reason would bury the ones that matter.
   *
   * `untilFree`: stop after the first session that can take the task (all
   * preferred_order needs); a list without one is complete either way.
   */
  candidates(preferred: readonly string[], providers: ReadonlySet<string>, untilFree = false): Candidate[] {
    const out: Candidate[] = [];
    const seen = new Set<string>();
    for (const [i, name] of preferred.entries()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const obstacle = this.obstacle(name, providers);
      out.push({ name, preferredRank: i + 1, session: this.byName.get(name) ?? null, obstacle });
      if (untilFree && obstacle === null) return out;
    }
    // Obstacles only accumulate within a round, so other sessions found blocked
    // for these providers stay blocked: a search for the first free one starts
    // after them (else filling 50 sessions reads 50²/2 candidates).
    const names = this.namesSorted;
    const from = untilFree ? (this.blockedPrefix.get(providers) ?? 0) : 0;
    let prefix = true;
    for (let j = from; j < names.length; j++) {
      const name = names[j]!;
      if (seen.has(name)) {
        // A preferred session, looked at above: with untilFree it was blocked (else
        // the search had ended there), so the prefix goes on; otherwise it may be free.
        if (!untilFree) prefix = false;
        continue;
      }
      const obstacle = this.obstacle(name, providers);
      if (prefix && obstacle !== null) this.blockedPrefix.set(providers, j + 1);
      if (obstacle?.kind === 'excluded' || obstacle?.kind === 'provider') continue;
      out.push({ name, preferredRank: null, session: this.byName.get(name) ?? null, obstacle });
      if (untilFree && obstacle === null) return out;
    }
    // None free: the reason lists every candidate, the skipped ones too.
    return from > 0 ? this.candidates(preferred, providers) : out;
  }
}

export function describeObstacle(name: string, o: Obstacle): string {
  switch (o.kind) {
    case 'absent':
      return `${name} is not running`;
    case 'excluded':
      return `${name} is excluded`;
    case 'provider':
      return `${name} runs ${o.agent || 'no agent'}, not a supported provider`;
    case 'state':
      return `${name} is ${o.state}`;
    case 'holds_task':
      return `${name} still has task #${o.taskId}`;
    case 'taken':
      return `${name} just got task #${o.taskId}`;
  }
}
