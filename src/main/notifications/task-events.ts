// Task events: a task completed or failed. Read from the task history (`task_events`,
// written by a trigger on every status change, whoever made it) past a cursor kept in
// this console's file, so an outcome is never lost or repeated across restarts — from
// this console's file (localAttentionTasks) or from a shared queue
// (store/postgres/task-outcomes.ts), each outcome with its task's facts. A completion is
// held until its agent is settled idle: never "completed" while the agent actually
// waits on a dialog.
import type { Session, SessionState } from '../../shared/api.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { AttentionMemory, AttentionTaskReads, AttentionTaskSource, TaskFacts, TaskOutcome } from '../store/attention.js';
import { describeTaskEvent, levelOf, subjectOf, type AttentionEvent } from './event.js';
import type { SettledChange } from './settle.js';

const CURSOR = 'task_events';
/** Outcomes read per pass; a backlog is read over several passes. */
const READ_BATCH = 500;
/** Completions held for agents that have not settled idle; beyond this the oldest go out as they are. */
const MAX_HELD = 1000;

/**
 * Without an outcome, the cursor moves in memory and is written at most this often.
 * Written on every poll, it was a write per queue change: ~1 s of the main thread's
 * time during the 1M seed's start-up recovery (45k requeues), each write waiting for
 * the write lock. A range with no outcome in it can be read again after a restart
 * without repeating anything, so the stored cursor may lag behind over such ranges.
 */
export const QUIET_CURSOR_WRITE_MS = 5_000;

/** The tasks in this console's own file. */
export function localAttentionTasks(reads: AttentionTaskReads, memory: AttentionMemory, clock: () => number = Date.now): AttentionTaskSource {
  /** Where the next read starts: the stored cursor, or ahead of it past ranges without an outcome. */
  let position: number | null = null;
  let writtenAt = -Infinity;
  const store = (to: number): void => {
    memory.setCursor(CURSOR, to);
    position = to;
    writtenAt = clock();
  };
  return {
    heldBy: (session) => reads.heldBy(session),
    facts: (id) => reads.facts(id),
    factsOf: async (ids) => {
      const out = new Map<number, TaskFacts>();
      for (const id of ids) {
        const f = reads.facts(id);
        if (f) out.set(id, f);
      }
      return out;
    },
    readOutcomes() {
      const last = reads.lastEventId();
      const from = position ?? memory.cursor(CURSOR);
      // A first run starts at the end: the history before it is not news.
      if (from === null) {
        store(last);
        return [];
      }
      if (from >= last) {
        position = from;
        return [];
      }
      const rows = reads.outcomes(from, last, READ_BATCH);
      const to = rows.length === READ_BATCH ? rows[rows.length - 1]!.eventId : last;
      // An outcome is written before it is told: never repeated after a restart.
      if (rows.length > 0 || clock() - writtenAt >= QUIET_CURSOR_WRITE_MS) store(to);
      else position = to;
      return rows;
    },
  };
}

interface Held {
  outcome: TaskOutcome;
  facts: TaskFacts;
  session: Session;
}

export class TaskEvents {
  /** Session name → completions waiting for it to settle idle. */
  private readonly held = new Map<string, Held[]>();
  private heldCount = 0;
  private readonly log: Logger;

  constructor(
    private readonly deps: {
      /** Where outcomes are read now (the store the tasks are in). */
      source: () => Pick<AttentionTaskSource, 'readOutcomes'>;
      sessionNamed(name: string): Session | undefined;
      /** The session's settled state and whether its state now is still that one. */
      settledState(name: string): { state: SessionState; settledNow: boolean } | null;
      projectOf(session: Session): string | null;
      publish(event: AttentionEvent): void;
      logger?: Logger;
    },
  ) {
    this.log = (deps.logger ?? silentLogger).child({ module: 'attention' });
  }

  private polling: Promise<void> | null = null;
  private again = false;

  /** Reads new outcomes (called when the database changed); one read at a time, another after it when called meanwhile. */
  poll(): Promise<void> {
    if (this.polling) {
      this.again = true;
      return this.polling;
    }
    const run = async (): Promise<void> => {
      do {
        this.again = false;
        this.handle(await this.deps.source().readOutcomes());
      } while (this.again);
    };
    this.polling = run().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private handle(outcomes: readonly TaskOutcome[]): void {
    for (const outcome of outcomes) {
      const facts = outcome.facts;
      if (!facts) continue; // deleted since
      const session = facts.assignedTo ? this.deps.sessionNamed(facts.assignedTo) : undefined;
      if (outcome.to === 'failed' || !session) {
        this.publish(outcome, facts, session);
        continue;
      }
      const now = this.deps.settledState(session.name);
      if (now?.settledNow && now.state === 'idle') this.publish(outcome, facts, session);
      else this.hold({ outcome, facts, session });
    }
  }

  /** A session settled: idle (or gone) releases its completions; waiting or working keeps them. */
  settled(change: SettledChange): void {
    if (change.to !== 'idle' && change.to !== 'exited') return;
    const list = this.held.get(change.session.name);
    if (!list) return;
    this.held.delete(change.session.name);
    this.heldCount -= list.length;
    for (const h of list) this.publish(h.outcome, h.facts, h.session);
  }

  private hold(h: Held): void {
    const list = this.held.get(h.session.name) ?? [];
    list.push(h);
    this.held.set(h.session.name, list);
    if (++this.heldCount <= MAX_HELD) return;
    // Bounded: the oldest held completion goes out as it is.
    const [name, oldest] = this.held.entries().next().value as [string, Held[]];
    const first = oldest.shift()!;
    if (oldest.length === 0) this.held.delete(name);
    this.heldCount--;
    this.log.warn(`more than ${MAX_HELD} completions wait for their agents to settle; sending task #${first.facts.id}'s now`);
    this.publish(first.outcome, first.facts, first.session);
  }

  private publish(outcome: TaskOutcome, facts: TaskFacts, session: Session | undefined): void {
    const event = outcome.to === 'completed' ? ('task_completed' as const) : ('task_failed' as const);
    const task = { id: facts.id, title: facts.title, type: facts.type, project: facts.project };
    this.deps.publish({
      event,
      key: `${event}:${facts.id}:${outcome.eventId}`,
      subject: subjectOf(event, null, task),
      at: outcome.at,
      level: levelOf(event),
      ...describeTaskEvent(event, task, session?.name ?? facts.assignedTo, outcome.reason),
      session: session ? { id: session.id, name: session.name, agent: session.agent, state: session.state, reason: session.reason } : null,
      task,
      dialog: null,
      reason: outcome.reason,
      project: facts.project ?? (session ? this.deps.projectOf(session) : null),
    });
  }
}
