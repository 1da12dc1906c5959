// sessions.current_task_id on a console on a shared PostgreSQL queue (issue 17). The
// task a session holds is a task of the shared queue, known from the held tasks kept
// from the queue's announced changes (store/postgres/held-tasks.ts); this writes it
// into the console's own file with the statements the single console's task core uses
// (SessionRepository.setCurrentTask and clearCurrentTask, tasks/service.ts): a task
// that left its session is cleared wherever a row names it (a closed pane's row too),
// and a session that took a task gets it on its live row. So the console's own tables
// say what its cards say (a named query on them: the seed's `sessions_active`).
//
// - Each batch of the queue's changes is read first on the writer connection and
//   written only where the file says otherwise, in one transaction: a change that moves
//   none of this console's sessions (another console's agents, a start in the same
//   session) opens none.
// - After a full read of the held tasks (start, the LISTEN connection back), and after
//   a write that failed (again on a beat until one succeeds): every row set from the
//   held tasks in memory. Nothing before the first full read: an empty map then means
//   "not read yet", and every row would be cleared until it came.
// - A session row written after its session took the task (a console started on a
//   queue where its agents already hold tasks, a pane opened under the name of a session
//   that holds one, a session renamed to such a name, a pane back after its tmux server
//   restarted): its live rows get the task once the row is committed — told by the
//   sessions' writer (SessionsFeature.onRowsWritten), so a row the busy database put off
//   is set when its retry writes it, not left until the task next moves.
import type { Session } from '../../shared/api.js';
import type { Logger } from '../log/logger.js';
import type { HeldMoves } from './postgres/held-tasks.js';
import type { Store } from './store.js';

/** What the held tasks of a shared queue tell (PostgresHeldTasks). */
export interface HeldMovesSource {
  onMoves(moved: (moves: HeldMoves | null) => void): () => void;
  /** Whether every held task has been read once (all() means nothing before). */
  loaded(): boolean;
  all(): Array<{ session: string; id: number }>;
  read(names: readonly string[]): Map<string, number | null>;
}

export const CURRENT_TASKS_RETRY_MS = 1_000;

/** Keeps sessions.current_task_id from `held`; returns the stop. */
export function keepCurrentTasks(opts: {
  held: HeldMovesSource;
  store: Pick<Store, 'sessions' | 'transaction'>;
  /** The sessions whose rows this console just wrote, once committed (SessionsFeature.onRowsWritten). */
  onRows: (listener: (rows: ReadonlyArray<Pick<Session, 'id' | 'name'>>) => void) => () => void;
  log: Logger;
  retryMs?: number;
}): () => void {
  const { held, log } = opts;
  const sessions = opts.store.sessions;
  let stale = true;
  let retry: NodeJS.Timeout | null = null;
  let stopped = false;

  /** Every row from the held tasks: a row keeps a task its session still holds, a live row gets its session's newest. */
  const everything = (): Array<() => void> => {
    const all = held.all();
    const pairs = new Set(all.map((h) => `${h.session}\0${h.id}`));
    const writes: Array<() => void> = [];
    for (const row of sessions.currentTasks()) {
      if (!pairs.has(`${row.name}\0${row.currentTaskId}`)) writes.push(() => sessions.clearCurrentTaskOf(row.id));
    }
    for (const [name, id] of held.read([...new Set(all.map((h) => h.session))])) {
      if (id !== null && sessions.liveOnOtherTask(name, id)) writes.push(() => sessions.setCurrentTask(name, id));
    }
    return writes;
  };

  const movesOf = (moves: HeldMoves): Array<() => void> => {
    const cleared = moves.released.filter((id) => sessions.anyOnTask(id));
    const writes = cleared.map((id) => () => sessions.clearCurrentTask(id));
    for (const [name, id] of moves.holds) {
      // A task cleared just before is on no row any more, whatever the read said.
      if (cleared.includes(id) || sessions.liveOnOtherTask(name, id)) writes.push(() => sessions.setCurrentTask(name, id));
    }
    return writes;
  };

  const apply = (moves: HeldMoves | null): void => {
    // Before the first full read, stale stays true: that read's moves (null) set every row.
    if (stopped || !held.loaded()) return;
    try {
      const writes = moves === null || stale ? everything() : movesOf(moves);
      if (writes.length > 0) opts.store.transaction(() => writes.forEach((w) => w()));
      stale = false;
    } catch (err) {
      stale = true;
      log.warn('could not record the tasks sessions hold; trying again', { error: err instanceof Error ? err.message : String(err) });
      retry ??= setTimeout(() => {
        retry = null;
        apply(null);
      }, opts.retryMs ?? CURRENT_TASKS_RETRY_MS);
      retry.unref();
    }
  };

  /** Rows just written (a new pane's, a renamed one's, …): each live one gets the task its name holds, where it says another. */
  const written = (rows: ReadonlyArray<Pick<Session, 'id' | 'name'>>): void => {
    // While stale, the retry (or the first full read) sets every row, these included: they are committed.
    if (rows.length === 0 || stale) return;
    const holds = new Map<string, number>();
    for (const [name, id] of held.read([...new Set(rows.map((s) => s.name))])) if (id !== null) holds.set(name, id);
    if (holds.size > 0) apply({ released: [], holds });
  };

  const offMoves = held.onMoves(apply);
  const offRows = opts.onRows(written);
  apply(null);
  return () => {
    stopped = true;
    offMoves();
    offRows();
    if (retry) clearTimeout(retry);
    retry = null;
  };
}
