// The task each session holds, by session name: what a console's session list joins
// in as `currentTaskId` (the cards), and what attention events name as the task an
// agent was on. One interface, two engines:
//
// - this console's own file (SQLite): read when asked, one statement for many names;
//   every queue change (tasks.changed) and a slow beat say "any may have changed";
// - a shared queue (PostgreSQL, store/postgres/held-tasks.ts): a map kept in memory,
//   changed by the task changes every console announces (LISTEN/NOTIFY), each change
//   naming the sessions it moved — no read of the queue per publish.
import type { EventBus } from '../events/bus.js';
import type { TaskFacts } from './attention.js';
import type { SessionReads } from './session-reads.js';

export interface HeldTaskSource {
  /** The newest task each named session holds (null: none). */
  read(names: readonly string[]): Map<string, number | null>;
  /**
   * Calls `changed(names)` when these sessions' held tasks may have changed, or
   * `changed(null)` when any may have. Returns the unsubscribe.
   */
  subscribe(changed: (names: readonly string[] | null) => void): () => void;
  /** What attention events say about a task this source knows (held now or lately); null: ask the store. */
  facts?(id: number): TaskFacts | null;
}

/** The held tasks in this console's own file, on its reader connection. */
export function localHeldTasks(reads: Pick<SessionReads, 'heldTasks'>, bus: Pick<EventBus, 'on'>, refreshMs: number): HeldTaskSource {
  return {
    read: (names) => reads.heldTasks(names),
    subscribe: (changed) => {
      const off = bus.on('tasks.changed', () => changed(null));
      // Also on a beat: a burst that requeues a task and claims another leaves the
      // counts as they were, and tasks.changed is sent only when the counts move.
      const timer = setInterval(() => changed(null), refreshMs);
      timer.unref();
      return () => {
        off();
        clearInterval(timer);
      };
    },
  };
}
