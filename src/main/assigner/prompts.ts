// What an assigner knows of the prompts it types, the same on both engines (assigner.ts
// on the console's own file, shared.ts on a shared PostgreSQL queue): the deliveries
// under way (stop and settled wait for them), which session is being typed into, which
// held tasks had their prompt taken and when (reconcileActions completes a turn that
// ended unseen), and the attention state last noted per task. Also what happens once a
// claimed task's prompt is typed — recorded as taken, started when the agent was seen
// working, or back to the queue with a back-off — through the engine's task writes.
import type { Session, TaskStatus } from '../../shared/api.js';
import type { RouteRule } from '../config/schemas/routing.js';
import type { DeliveryResult } from '../dispatch/deliver.js';
import type { ClaimedTask, DecisionRecord, HeldTask } from '../store/task-queue.js';
import type { RequeueRequest } from '../store/task-store.js';
import type { EnvironmentKeeper } from './environment-keeper.js';
import { reconcileActions, type Delivered, type LifecycleAction } from './lifecycle.js';

/** A failed delivery waits this long before the next try, doubling per attempt… */
export const DELIVERY_BACKOFF_MS = 5_000;
/** …up to this, so a broken pane does not get hammered and a fixed one is not left idle for long. */
export const MAX_DELIVERY_BACKOFF_MS = 5 * 60_000;

/**
 * Types a prompt into a session. `enterPresses: 0` on a failure says nothing was typed (the
 * pane was not idle when looked at right before typing); left out, a failure may have typed.
 */
export type Deliver = (session: Session, prompt: string) => Promise<Pick<DeliveryResult, 'outcome' | 'reason'> & { enterPresses?: number }>;

/** The task writes a delivery's outcome makes: the task core's on SQLite, the task store's on PostgreSQL. */
export interface DeliveryWrites {
  status(taskId: number): Promise<TaskStatus | null>;
  record(d: DecisionRecord, now: Date): Promise<void>;
  start(taskId: number, session: string, reason: string, now: Date): Promise<boolean>;
  /** Back to the queue with one try more, or failed when that was its type's last (max_attempts). */
  requeue(task: Pick<ClaimedTask, 'id' | 'type' | 'attempts'>, session: string, r: Omit<RequeueRequest, 'charge' | 'routeTo'>, now: Date): Promise<boolean>;
}

export class Prompts {
  /** Session name → task whose prompt is being typed there. */
  readonly delivering = new Map<string, number>();
  /** Task → where and when its prompt was delivered, while a session holds it (for reconcileActions). */
  readonly delivered = new Map<number, Delivered>();
  private readonly attentionNoted = new Map<number, string>();
  private readonly running = new Set<Promise<void>>();

  /** Deliveries under way. */
  get size(): number {
    return this.running.size;
  }

  /** A delivery into `session` under way until `work` settles. */
  track(session: string, taskId: number, work: () => Promise<void>): void {
    this.delivering.set(session, taskId);
    const delivery = work().finally(() => {
      this.running.delete(delivery);
      if (this.delivering.get(session) === taskId) this.delivering.delete(session);
    });
    this.running.add(delivery);
  }

  /** Resolves when the deliveries under way now have ended. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** A task no longer held where it was delivered (completed, back to the queue). */
  forget(taskId: number): void {
    this.delivered.delete(taskId);
    this.attentionNoted.delete(taskId);
  }

  /** Whether an attention state of a task is new (each is recorded once, not every round). */
  noteAttention(taskId: number, state: string): boolean {
    if (this.attentionNoted.get(taskId) === state) return false;
    this.attentionNoted.set(taskId, state);
    return true;
  }

  /**
   * Held tasks a missed turn or a late delivery result would leave held forever
   * (lifecycle.ts reconcileActions). `follow`: tasks in progress here that another
   * console delivered are watched from the moment they are first seen (shared.ts).
   */
  reconcile(held: readonly HeldTask[], sessions: readonly Session[], now: Date, quietMs: number | undefined, follow = false): { actions: LifecycleAction[]; due: number | null } {
    const holding = new Set(held.map((t) => t.id));
    for (const id of this.delivered.keys()) if (!holding.has(id)) this.delivered.delete(id);
    if (follow) {
      for (const t of held) {
        if (t.status === 'in_progress' && !this.delivered.has(t.id) && this.delivering.get(t.session) !== t.id) this.delivered.set(t.id, { session: t.session, atMs: now.getTime(), sawWorking: true });
      }
    }
    if (this.delivered.size === 0) return { actions: [], due: null };
    return reconcileActions({ held: held.filter((t) => this.delivering.get(t.session) !== t.id), sessions, delivered: this.delivered, now, quietMs });
  }

  /**
   * Types a claimed task's prompt (after its environment, when its type has one) and
   * records what came of it. Nothing is typed when the task was taken away meanwhile.
   * Resolves with whether anything changed (the caller routes again).
   */
  async dispatch(task: ClaimedTask, session: Session, rule: RouteRule | undefined, o: { envs: EnvironmentKeeper; deliver: Deliver; writes: DeliveryWrites; clock: () => Date }): Promise<boolean> {
    const { writes } = o;
    let outcome: Pick<DeliveryResult, 'outcome' | 'reason'> & { enterPresses?: number };
    try {
      const preamble = await o.envs.prepare(task, rule);
      // Cancelled (or taken back) while its environment was set up: type nothing.
      const status = await writes.status(task.id);
      if (status !== 'assigned') {
        await writes.record({ kind: 'dispatch', taskId: task.id, session: session.name, decision: 'not sent', reason: `not sent to ${session.name}: the task is ${status ?? 'gone'}` }, o.clock());
        o.envs.release(task.id);
        return false;
      }
      outcome = await o.deliver(session, preamble + task.prompt);
    } catch (err) {
      outcome = { outcome: 'failed', reason: (err as Error).message };
    }
    const now = o.clock();
    if (outcome.outcome === 'taken') {
      this.delivered.set(task.id, { session: session.name, atMs: now.getTime(), sawWorking: outcome.reason === 'the agent is working' });
      await writes.record({ kind: 'dispatch', taskId: task.id, session: session.name, decision: 'taken', reason: `prompt delivered: ${outcome.reason}` }, now);
      // The delivery saw the agent working: that is the "seen working" the status waits for.
      if (outcome.reason === 'the agent is working') await writes.start(task.id, session.name, `in progress: ${session.name} is working`, now);
    } else if (outcome.enterPresses !== 0 && (await writes.status(task.id)) === 'in_progress') {
      // The agent was seen working on it meanwhile: the prompt landed, and only the
      // check after it failed (its host went out of reach mid-check). Sending it again
      // elsewhere would do the work twice. Not when nothing was typed: an agent found
      // busy right before typing (the console's view of it a scan old) is working on
      // something else, and the prompt would be lost with the task "completed" later.
      const reason = `prompt delivered: ${session.name} was seen working on it before the delivery check failed (${outcome.reason})`;
      this.delivered.set(task.id, { session: session.name, atMs: now.getTime(), sawWorking: true });
      await writes.record({ kind: 'dispatch', taskId: task.id, session: session.name, decision: 'taken', reason }, now);
    } else {
      const waitMs = Math.min(MAX_DELIVERY_BACKOFF_MS, DELIVERY_BACKOFF_MS * 2 ** task.attempts);
      const reason = `back to the queue: delivery to ${session.name} failed (${outcome.reason}); retry after ${Math.round(waitMs / 1000)} s`;
      await writes.requeue(task, session.name, { reason, error: outcome.reason, notBefore: new Date(now.getTime() + waitMs), kind: 'dispatch' }, now);
      o.envs.release(task.id);
    }
    return true;
  }
}
