// The held tasks of a shared queue (HeldTaskSource on PostgreSQL), kept in memory and
// changed by the task changes every console and CLI announces (LISTEN/NOTIFY,
// postgres/queue.ts), so a session card shows the shared task its agent holds without
// a read of the queue per publish.
//
// - reload(): one read of every held task (idx_tasks_held), at start and after the
//   LISTEN connection came back (changes announced meanwhile are lost).
// - changed({id, status}): the status is the task's at that commit, and changes arrive
//   in commit order. A status that is not held (pending, completed, failed, …) drops
//   the task from its session without a read; a held one (assigned, in_progress) is
//   read by id — the session is not in the announcement — with the other ids of the
//   same burst in one statement. A task nobody holds and that is announced as not held
//   (a task added, its priority changed) costs nothing.
// - Reads and batches run one after another, in arrival order: a read answers with
//   the row as of a moment after every change of its batch, and the changes that
//   arrive meanwhile are applied after it.
// - onMoves(): what each batch changed — the tasks that left their sessions and the
//   sessions whose newest held task is another one now (null after a full read) — so
//   the console's own file keeps sessions.current_task_id (store/current-tasks.ts). A
//   start (assigned → in_progress in the same session) moves nothing.
// - current(): every held task as the shared assigner's round plans with it
//   (assigner/shared.ts: a round reads no held task when this is current), or null
//   when a change may have been missed — before the first full read, after the LISTEN
//   connection was lost (until the full read after it is back), or after a read failed.
// - recheck(ids): tasks this console just wrote, read by id now rather than when their
//   announcement comes back (the next round plans with them either way).
import type pg from 'pg';
import { isHeldStatus } from '../../../shared/task-status.js';
import type { TaskFacts } from '../attention.js';
import type { HeldTaskSource } from '../held-tasks.js';
import { HELD_SQL } from '../status-sql.js';
import type { HeldTask } from '../task-queue.js';
import type { TaskChange } from './queue.js';

/** Facts of tasks no longer held, kept for the events that name them just after (an agent exited mid-task). */
const RELEASED_KEPT = 1000;

const COLUMNS =
  't.id, t.assigned_to AS "assignedTo", t.title, t.type, p.name AS project, t.status, t.assigned_at AS "assignedAt", t.started_at AS "startedAt", t.attempts';

/** A held task as kept here: its facts (attention events) and what a routing round needs of it. */
type HeldFacts = TaskFacts & Pick<HeldTask, 'status' | 'assignedAt' | 'startedAt' | 'attempts'>;

/** What the shared assigner reads of the held tasks kept in memory (assigner/shared.ts). */
export interface HeldTasksView {
  /** Resolves once every change heard (and every recheck asked) so far is applied. */
  settled(): Promise<void>;
  /** Every held task now, by id; null when a change may have been missed (the caller reads the queue). */
  current(): HeldTask[] | null;
  /** These tasks read again by id: this console changed them, and its own announcement may not be back yet. */
  recheck(ids: readonly number[]): void;
}

/** What one batch of changes moved. */
export interface HeldMoves {
  /** Tasks no longer held by the session that held them (finished, back in the queue, taken by another). */
  released: number[];
  /** Sessions whose newest held task (what read() gives) is another task now, with that task. */
  holds: Map<string, number>;
}
const FROM = 'tasks t LEFT JOIN projects p ON p.id = t.project_id';

interface BatchNotes {
  holders: Map<number, string | null>;
  newest: Map<string, number | null>;
}

export class PostgresHeldTasks implements HeldTaskSource, HeldTasksView {
  /** Session name → the tasks it holds (normally one), by id. */
  private readonly bySession = new Map<string, Map<number, HeldFacts>>();
  private readonly byId = new Map<number, HeldFacts>();
  private readonly released = new Map<number, TaskFacts>();
  private readonly listeners = new Set<(names: readonly string[] | null) => void>();
  private readonly moveListeners = new Set<(moves: HeldMoves | null) => void>();
  /** During a batch: each task's holder and each session's newest task before it (for onMoves). */
  private batch: BatchNotes | null = null;
  /** Changes not applied yet: id → its last announced status (null: read it, whatever it is). */
  private waiting = new Map<number, string | null>();
  private chain: Promise<void> = Promise.resolve();
  private draining = false;
  /** A read failed: the next change reads every held task again instead of its own. */
  private stale = false;
  /** Every change since the last full read was heard (false before it, and after the LISTEN connection was lost). */
  private heard = false;
  /** Times the LISTEN connection was lost: a full read asked before the last loss does not make the map current. */
  private losses = 0;
  /** A full read has been made (before it, the map is empty, not "nobody holds anything"). */
  private readOnce = false;
  /** Statements run (a test counts them): full reads and reads by id. */
  readonly reads = { full: 0, byId: 0 };

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  read(names: readonly string[]): Map<string, number | null> {
    const out = new Map<string, number | null>();
    for (const name of names) out.set(name, this.newest(name));
    return out;
  }

  subscribe(changed: (names: readonly string[] | null) => void): () => void {
    this.listeners.add(changed);
    return () => this.listeners.delete(changed);
  }

  /**
   * Calls `moved(moves)` after each batch that moved a task between sessions, and
   * `moved(null)` after every held task was read again (see all()). Returns the unsubscribe.
   */
  onMoves(moved: (moves: HeldMoves | null) => void): () => void {
    this.moveListeners.add(moved);
    return () => this.moveListeners.delete(moved);
  }

  /** Whether every held task has been read at least once: before that, all() says nothing about the queue. */
  loaded(): boolean {
    return this.readOnce;
  }

  /** Every task held now, with its session (as of the last batch applied). */
  all(): Array<{ session: string; id: number }> {
    return [...this.byId.values()].map((f) => ({ session: f.assignedTo!, id: f.id }));
  }

  facts(id: number): TaskFacts | null {
    const f = this.byId.get(id) ?? this.released.get(id);
    return f ? { id: f.id, title: f.title, type: f.type, project: f.project, assignedTo: f.assignedTo } : null;
  }

  current(): HeldTask[] | null {
    if (!this.heard || this.stale) return null;
    return [...this.byId.values()]
      .map((f): HeldTask => ({ id: f.id, type: f.type, status: f.status, session: f.assignedTo!, assignedAt: f.assignedAt, startedAt: f.startedAt, attempts: f.attempts }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * The LISTEN connection was lost: changes announced until it is back are not heard,
   * so current() says null until the full read made after it is back (reload()).
   */
  lost(): void {
    this.losses++;
    this.heard = false;
  }

  /** Every held task read again, once the LISTEN connection is made (at start, and each time it came back). */
  reload(): Promise<void> {
    return this.readAll(true);
  }

  /** Every held task read; `listening`: every change from now on is heard (unless the connection is lost meanwhile). */
  private readAll(listening: boolean): Promise<void> {
    const losses = this.losses;
    return this.enqueue(async () => {
      this.reads.full++;
      const rows = (await this.pool.query<HeldFacts>(`SELECT ${COLUMNS} FROM ${FROM} WHERE t.status IN (${HELD_SQL}) AND t.assigned_to IS NOT NULL`)).rows;
      this.batch = null; // a batch whose read failed: this read replaces what it left
      for (const id of [...this.byId.keys()]) this.drop(id);
      for (const row of rows) this.hold(row);
      this.stale = false;
      this.readOnce = true;
      if (listening) this.heard = losses === this.losses;
      this.tell(null);
      this.tellMoves(null);
    });
  }

  /** A task change announced by any console or CLI. */
  changed(change: TaskChange): void {
    this.queue(change.id, change.status);
  }

  recheck(ids: readonly number[]): void {
    for (const id of ids) this.queue(id, null);
  }

  private queue(id: number, status: string | null): void {
    // A read says what the task is now, whatever was announced before: it is kept.
    if (this.waiting.get(id) !== null) this.waiting.set(id, status);
    if (this.stale) {
      this.stale = false;
      this.waiting.clear();
      void this.readAll(false);
      return;
    }
    if (this.draining) return;
    this.draining = true;
    void this.enqueue(() => this.drain());
  }

  /** Resolves once every change, recheck and full read so far is applied. */
  settled(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  private async drain(): Promise<void> {
    this.draining = false;
    const batch = this.waiting;
    this.waiting = new Map();
    const lookup: number[] = [];
    const moved = new Set<string>();
    const notes: BatchNotes = { holders: new Map(), newest: new Map() };
    this.batch = notes;
    for (const [id, status] of batch) {
      if (status === null || isHeldStatus(status)) lookup.push(id);
      else {
        const session = this.drop(id);
        if (session !== null) moved.add(session);
      }
    }
    if (lookup.length > 0) {
      this.reads.byId++;
      const rows = (await this.pool.query<HeldFacts & { held: boolean }>(
        `SELECT ${COLUMNS}, (t.status IN (${HELD_SQL}) AND t.assigned_to IS NOT NULL) AS held FROM ${FROM} WHERE t.id = ANY($1::bigint[])`,
        [lookup],
      )).rows;
      const found = new Map(rows.map((r) => [Number(r.id), r] as const));
      for (const id of lookup) {
        const before = this.drop(id);
        if (before !== null) moved.add(before);
        const row = found.get(id);
        if (row?.held) {
          const { held: _held, ...facts } = row;
          this.hold({ ...facts, id });
          moved.add(facts.assignedTo!);
        }
      }
    }
    this.batch = null;
    const moves = this.movesOf(notes);
    if (moved.size > 0) this.tell([...moved]);
    if (moves) this.tellMoves(moves);
  }

  /** The newest task a session holds, or null. */
  private newest(session: string): number | null {
    const held = this.bySession.get(session);
    return held ? Math.max(...held.keys()) : null;
  }

  /** Before a batch first changes a task or a session: what it was. */
  private note(id: number, session: string | null): void {
    if (!this.batch) return;
    if (!this.batch.holders.has(id)) this.batch.holders.set(id, this.byId.get(id)?.assignedTo ?? null);
    if (session !== null && !this.batch.newest.has(session)) this.batch.newest.set(session, this.newest(session));
  }

  private movesOf(batch: BatchNotes): HeldMoves | null {
    const released = [...batch.holders].filter(([id, before]) => before !== null && before !== (this.byId.get(id)?.assignedTo ?? null)).map(([id]) => id);
    const holds = new Map<string, number>();
    for (const [session, before] of batch.newest) {
      const now = this.newest(session);
      if (now !== null && now !== before) holds.set(session, now);
    }
    return released.length > 0 || holds.size > 0 ? { released, holds } : null;
  }

  private hold(facts: HeldFacts): void {
    const id = Number(facts.id);
    const f = { ...facts, id };
    this.note(id, f.assignedTo);
    this.byId.set(id, f);
    this.released.delete(id);
    let held = this.bySession.get(f.assignedTo!);
    if (!held) this.bySession.set(f.assignedTo!, (held = new Map()));
    held.set(id, f);
  }

  /** Drops a held task; the session it was held by, or null when it was not held. */
  private drop(id: number): string | null {
    const f = this.byId.get(id);
    if (!f) return null;
    this.note(id, f.assignedTo);
    this.byId.delete(id);
    this.released.set(id, f);
    if (this.released.size > RELEASED_KEPT) this.released.delete(this.released.keys().next().value!);
    const held = this.bySession.get(f.assignedTo!);
    held?.delete(id);
    if (held?.size === 0) this.bySession.delete(f.assignedTo!);
    return f.assignedTo;
  }

  private tell(names: readonly string[] | null): void {
    for (const l of this.listeners) l(names);
  }

  private tellMoves(moves: HeldMoves | null): void {
    for (const l of this.moveListeners) l(moves);
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn).catch((err: unknown) => {
      // A failed read leaves the map as it was; the next change reads it all again.
      this.stale = true;
      this.onError(err instanceof Error ? err : new Error(String(err)));
    });
    this.chain = next;
    return next;
  }
}
