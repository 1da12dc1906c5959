// What attention events read about a shared queue's tasks (AttentionTaskSource on
// PostgreSQL): the completions and failures in its history (`task_events`, every
// console's and CLI's) past a cursor kept in this console's own file, each with its
// task's facts, so a shared console raises task_completed / task_failed (and the
// workflows they trigger) as a single console does; the task a session holds and its
// facts from the held-task map (postgres/held-tasks.ts); other tasks' facts (an SLA
// alert's) read by id.
//
// - The history is read only after a change announced as completed or failed
//   (LISTEN), never per publish or on a timer: other changes cost nothing.
// - History ids come from a sequence, and two transactions can commit in the other
//   order than they took their ids: a read may see id 11 while 10 is still being
//   written. The ids skipped over are kept as holes for HOLE_WAIT_MS and asked for again
//   on each read (their transaction's own announcement comes with its commit); a hole
//   whose transaction rolled back is forgotten then. Holes live in memory: a console
//   restarted while a transaction was in flight can miss that one outcome.
import type pg from 'pg';
import { outcomeOf, type AttentionTaskSource, type OutcomeWithFactsRow, type TaskFacts, type TaskOutcome } from '../attention.js';
import type { PostgresHeldTasks } from './held-tasks.js';
import type { TaskChange } from './queue.js';

/** History rows read per pass (every status change, not only outcomes: the holes are found among them). */
const READ_BATCH = 2000;
/** How long a skipped history id is asked for again (a transaction between its insert and its commit). */
const HOLE_WAIT_MS = 60_000;
/** Holes kept at most (a burst of rolled-back transactions must not grow the list without bound). */
const MAX_HOLES = 1000;
const OUTCOMES = "('completed', 'failed')";

export interface OutcomeCursor {
  get(): number | null;
  set(position: number): void;
}

export class PostgresTaskOutcomes implements AttentionTaskSource {
  /** An outcome was announced since the last read. */
  private dirty = true;
  /** Skipped history ids → when first skipped (ms). */
  private readonly holes = new Map<number, number>();
  private readonly listeners = new Set<() => void>();
  /** Statements run (a test counts them). */
  reads = 0;

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly held: PostgresHeldTasks,
    private readonly cursor: OutcomeCursor,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A task change announced by any console or CLI: an outcome marks the history to be read, and wakes the listeners. */
  changed(change: TaskChange): void {
    if (change.status !== 'completed' && change.status !== 'failed') return;
    this.dirty = true;
    for (const l of this.listeners) l();
  }

  /** `wake` is called when new outcomes may be there. */
  onOutcome(wake: () => void): () => void {
    this.listeners.add(wake);
    return () => this.listeners.delete(wake);
  }

  /** Also after the LISTEN connection came back (outcomes announced meanwhile were not heard). */
  markDirty(): void {
    this.dirty = true;
    for (const l of this.listeners) l();
  }

  heldBy(session: string): number | null {
    return this.held.read([session]).get(session) ?? null;
  }

  facts(id: number): TaskFacts | null {
    return this.held.facts(id);
  }

  async factsOf(ids: readonly number[]): Promise<Map<number, TaskFacts>> {
    const out = new Map<number, TaskFacts>();
    if (ids.length === 0) return out;
    this.reads++;
    const rows = (await this.pool.query<TaskFacts>(
      `SELECT t.id, t.title, t.type, p.name AS project, t.assigned_to AS "assignedTo" FROM tasks t LEFT JOIN projects p ON p.id = t.project_id WHERE t.id = ANY($1::bigint[])`,
      [[...new Set(ids)]],
    )).rows;
    for (const r of rows) out.set(Number(r.id), { ...r, id: Number(r.id) });
    return out;
  }

  async readOutcomes(): Promise<TaskOutcome[]> {
    let from = this.cursor.get();
    if (from === null) {
      // A first run starts at the end: the history before it is not news.
      this.reads++;
      from = (await this.pool.query<{ n: number }>('SELECT coalesce(max(id), 0)::bigint AS n FROM task_events')).rows[0]!.n;
      this.cursor.set(from);
      this.dirty = false;
      return [];
    }
    const now = this.clock();
    for (const [id, since] of this.holes) if (now - since > HOLE_WAIT_MS) this.holes.delete(id);
    if (!this.dirty) return [];
    this.dirty = false;
    const holes = [...this.holes.keys()];
    this.reads++;
    const rows = (await this.pool.query<{ id: number; outcome: boolean } & OutcomeWithFactsRow>(
      `SELECT e.id, e.to_status IN ${OUTCOMES} AS outcome, e.id AS "eventId", e.task_id AS "taskId", e.to_status AS "to", e.reason, e.at,
         t.id AS "factsId", t.title, t.type, p.name AS project, t.assigned_to AS "assignedTo"
       FROM task_events e
       LEFT JOIN tasks t ON t.id = e.task_id AND e.to_status IN ${OUTCOMES}
       LEFT JOIN projects p ON p.id = t.project_id
       WHERE e.id > $1 OR e.id = ANY($2::bigint[])
       ORDER BY e.id LIMIT $3`,
      [from, holes, READ_BATCH],
    )).rows;
    let last = from;
    for (const r of rows) {
      const id = Number(r.id);
      if (this.holes.delete(id)) continue;
      for (let skipped = last + 1; skipped < id && this.holes.size < MAX_HOLES; skipped++) this.holes.set(skipped, now);
      last = Math.max(last, id);
    }
    if (last > from) this.cursor.set(last);
    // A full batch: there is more to read.
    if (rows.length === READ_BATCH) this.dirty = true;
    return rows.filter((r) => r.outcome).map((r) => outcomeOf(r));
  }
}
