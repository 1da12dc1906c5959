// Planning an assigner round: the router's view of the present sessions, the head of
// the queue it reads, and the decisions that queue would get. The assigner applies a
// plan; dryRun shows one without applying it (`route.dryRun`, `architect route --dry-run`,
// the config editor's preview of a routing rules draft).
import type { RouteDecision, Session } from '../../shared/api.js';
import type { RoutingFile } from '../config/schemas/routing.js';
import { route } from '../routing/route.js';
import type { PendingTask, RoundRobinCursor, RoutableSession, RoutingDecision } from '../routing/types.js';
import type { HeldTask, TaskQueue } from '../store/task-queue.js';

/** One round looks at this many queued tasks at most; the rest wait for the next round. */
export const MAX_TASKS_PER_ROUND = 10_000;
/**
 * A round first reads only the head of the queue: one and a half tasks per free
 * session, never fewer than MIN_ROUND_WINDOW (a round for one idle agent reads 64
 * rows, not the queue). Reading and routing all 10k queued tasks to fill 50
 * sessions costs ~30 ms a round; the head almost always fills them. When it does
 * not (its tasks are for other agents, backed off, sent elsewhere) and sessions are
 * still free, the assigner reads WINDOW_GROWTH times further, up to the whole
 * queue (MAX_TASKS_PER_ROUND), so work deeper in the queue is never left waiting.
 */
export const TASKS_PER_FREE_SESSION = 1.5;
export const MIN_ROUND_WINDOW = 64;
export const WINDOW_GROWTH = 8;

/** Sessions as the router sees them: the task each one holds comes from the database, shared by every console. */
export function routableSessions(sessions: readonly Session[], held: readonly HeldTask[], busy?: ReadonlyMap<string, number>): RoutableSession[] {
  const holding = new Map([...(busy ?? []), ...held.map((t): [string, number] => [t.session, t.id])]);
  return sessions.map((s) => ({ name: s.name, agent: s.agent, state: s.state, currentTaskId: holding.get(s.name) ?? null }));
}

/** Sessions the monitor marks excluded count as excluded_sessions too. */
export function effectiveRules(rules: RoutingFile, sessions: readonly Session[]): RoutingFile {
  const extra = sessions.filter((s) => s.excluded && !rules.excluded_sessions.includes(s.name)).map((s) => s.name);
  return extra.length === 0 ? rules : { ...rules, excluded_sessions: [...rules.excluded_sessions, ...extra] };
}

export interface PlannedRound {
  decisions: RoutingDecision[];
  cursor: RoundRobinCursor;
  types: Map<number, string>;
  /** Idle, not excluded sessions holding nothing when the round was planned. */
  free: number;
  /** True when the queue holds more tasks than this round read. */
  queueCut: boolean;
}

/** The task types routed before every other (routing_rules.yaml `urgent`). */
export function urgentTypes(rules: RoutingFile): string[] {
  return Object.entries(rules.environment_routing).filter(([, r]) => r.urgent).map(([type]) => type);
}

/** What a round reads of the queue: the SQLite TaskQueue, or what a console read ahead from a shared one. */
export type QueueReads = Pick<TaskQueue, 'pendingTasks' | 'heldTasks'>;

export function planRound(
  queue: QueueReads,
  rules: RoutingFile,
  sessions: readonly Session[],
  now: Date,
  opts: {
    cursor?: RoundRobinCursor;
    load?: ReadonlyMap<string, number>;
    /** Session → task being typed into it: busy even if that task was cancelled meanwhile. */
    busy?: ReadonlyMap<string, number>;
    /** How many queued tasks to consider, from the head of the queue. */
    limit?: number;
    /** The held tasks, when the caller has just read them. */
    held?: readonly HeldTask[];
    /** Task → the session it is not given to now (it timed out there: round-rules.ts). */
    avoid?: Pick<ReadonlyMap<number, string>, 'size' | 'has' | 'get'>;
  } = {},
): PlannedRound {
  const limit = opts.limit ?? MAX_TASKS_PER_ROUND;
  const read = queue.pendingTasks(limit, urgentTypes(rules));
  const avoid = opts.avoid;
  const pending = avoid?.size ? read.map((t) => (avoid.has(t.id) ? { ...t, avoid: avoid.get(t.id)! } : t)) : read;
  const routable = routableSessions(sessions, opts.held ?? queue.heldTasks(), opts.busy);
  const effective = effectiveRules(rules, sessions);
  const { decisions, cursor } = route({
    tasks: pending,
    sessions: routable,
    rules: effective,
    now,
    load: opts.load,
    cursor: opts.cursor,
  });
  const excluded = new Set(effective.excluded_sessions);
  // Free: could take something now. An idle agent no rule accepts (an aider pane
  // nobody routes to) is not: counting it would read the whole queue every round
  // looking for work it can never get.
  const agents = usableAgents(effective);
  const pinned = new Set(pending.map((t) => t.routeTo).filter((n): n is string => !!n));
  const free = routable.filter(
    (s) => s.state === 'idle' && s.currentTaskId === null && !excluded.has(s.name) && (agents === null || agents.has(s.agent) || pinned.has(s.name)),
  ).length;
  return { decisions, cursor, types: new Map(pending.map((t) => [t.id, t.type])), free, queueCut: read.length >= limit };
}

/** Agents some rule (or the default for unknown types) accepts; null: any agent. */
export function usableAgents(rules: RoutingFile): ReadonlySet<string> | null {
  const lists = [rules.supported_providers, ...Object.values(rules.environment_routing).map((r) => r.supported_providers ?? rules.supported_providers)];
  if (lists.some((l) => l.length === 0)) return null;
  return new Set(lists.flat());
}

/** How much of the queue a round reads first for this many free sessions. */
export function roundWindow(free: number): number {
  return Math.min(MAX_TASKS_PER_ROUND, Math.max(MIN_ROUND_WINDOW, Math.ceil(free * TASKS_PER_FREE_SESSION)));
}

/** The contract's shape of a decision. */
export function toRouteDecision(d: RoutingDecision, taskType: string): RouteDecision {
  return d.kind === 'assigned'
    ? { taskId: d.taskId, taskType, kind: 'assign', session: d.session, reason: d.reason }
    : { taskId: d.taskId, taskType, kind: 'queued', session: null, reason: d.reason };
}

/** What a dry run knows of the assigner beside the queue: the avoid rule's memory (round-rules.ts `avoiding`). */
export interface DryRunOptions {
  /** Task → the session it is not given to now (it timed out there), as the round would apply it. */
  avoid?: Pick<ReadonlyMap<number, string>, 'size' | 'has' | 'get'>;
}

export function dryRun(queue: QueueReads, rules: RoutingFile, sessions: readonly Session[], now: Date, opts: DryRunOptions = {}): RouteDecision[] {
  const round = planRound(queue, rules, sessions, now, { avoid: opts.avoid });
  return round.decisions.map((d) => toRouteDecision(d, round.types.get(d.taskId) ?? ''));
}

/** The queue's reads on a shared PostgreSQL queue (the task store's, asynchronous). */
export interface SharedQueueReads {
  pendingTasks(limit: number, urgent?: readonly string[]): Promise<PendingTask[]>;
  heldTasks(): Promise<HeldTask[]>;
}

/** dryRun on a shared queue: its head and held tasks read first, then the same plan. */
export async function dryRunShared(store: SharedQueueReads, rules: RoutingFile, sessions: readonly Session[], now: Date, opts: DryRunOptions = {}): Promise<RouteDecision[]> {
  const [pending, held] = await Promise.all([store.pendingTasks(MAX_TASKS_PER_ROUND, urgentTypes(rules)), store.heldTasks()]);
  return dryRun({ pendingTasks: () => pending, heldTasks: () => held }, rules, sessions, now, opts);
}
