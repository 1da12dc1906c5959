import pg from 'pg';
import { PG_NOW } from '../time.js';
import type { PostgresTarget } from './url.js';

// The shared queue's two primitives on PostgreSQL, for several consoles on one
// database (issue 17; not yet wired into the assigner, which runs on the synchronous
// SQLite repositories — see docs/database.md):
//
// - a claim: the head of the queue for one session, taken with FOR UPDATE SKIP LOCKED
//   (two consoles never take the same task; neither waits for the other's row), and
//   only when that session holds nothing — checked under a per-session advisory lock,
//   so two consoles claiming for the same session at the same moment run one after
//   the other and the second sees the first's claim;
// - change events: a task added or changed is announced with NOTIFY in its own
//   transaction (delivered at commit, never for a rolled-back write), and every
//   console LISTENs, so a task added anywhere is routed without polling tables.

/** The channel task changes are announced on. */
export const TASK_CHANNEL = 'architect_tasks';

const HELD = "('assigned', 'in_progress')";

/**
 * Claims the next pending task for `session` if the session holds none; the task's id,
 * or null (nothing pending, or the session is busy). `by` names the console in the
 * task's history.
 */
export async function claimNextForSession(pool: pg.Pool, session: string, by: string): Promise<number | null> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One claimer per session at a time; released at commit.
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('architect-session:' || $1, 0))", [session]);
    const res = await client.query<{ id: number }>(
      `WITH next AS (
         SELECT id FROM tasks
         WHERE status = 'pending' AND (not_before IS NULL OR not_before <= ${PG_NOW})
           AND (route_to IS NULL OR route_to = $1)
         ORDER BY urgent DESC, priority DESC, created_at, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE tasks t SET status = 'assigned', assigned_to = $1, assigned_at = ${PG_NOW}, updated_at = ${PG_NOW},
         route_to = NULL, status_reason = $2
       FROM next
       WHERE t.id = next.id
         AND NOT EXISTS (SELECT 1 FROM tasks h WHERE h.assigned_to = $1 AND h.status IN ${HELD})
       RETURNING t.id`,
      [session, `claimed by ${by}`],
    );
    const id = res.rows[0]?.id ?? null;
    if (id !== null) await client.query('SELECT pg_notify($1, $2)', [TASK_CHANNEL, JSON.stringify({ id, status: 'assigned' })]);
    await client.query('COMMIT');
    return id;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Adds a pending task and announces it (at commit) to every listening console; its id. */
export async function addTask(pool: pg.Pool, task: { type: string; title: string; prompt?: string; priority?: number }): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const res = await client.query<{ id: number }>('INSERT INTO tasks(type, title, prompt, priority) VALUES ($1, $2, $3, $4) RETURNING id', [
      task.type,
      task.title,
      task.prompt ?? '',
      task.priority ?? 5,
    ]);
    const id = res.rows[0]!.id;
    await client.query('SELECT pg_notify($1, $2)', [TASK_CHANNEL, JSON.stringify({ id, status: 'pending' })]);
    await client.query('COMMIT');
    return id;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Finishes a task its session holds (completed), and announces it. False when it was not held by that session. */
export async function completeTask(pool: pg.Pool, id: number, session: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const res = await client.query(
      `UPDATE tasks SET status = 'completed', completed_at = ${PG_NOW}, updated_at = ${PG_NOW}, status_reason = 'done'
       WHERE id = $1 AND assigned_to = $2 AND status IN ${HELD}`,
      [id, session],
    );
    if (res.rowCount === 1) await client.query('SELECT pg_notify($1, $2)', [TASK_CHANNEL, JSON.stringify({ id, status: 'completed' })]);
    await client.query('COMMIT');
    return res.rowCount === 1;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface TaskChange {
  id: number;
  status: string;
}

/**
 * LISTENs for task changes on a connection of its own (a pooled one would be handed
 * to other queries). stop() ends it.
 */
export async function listenForTasks(
  target: PostgresTarget,
  onChange: (change: TaskChange) => void,
  opts: { onLost?: (err: Error | null) => void } = {},
): Promise<{ stop: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: target.url, application_name: 'architect listener' });
  let stopping = false;
  await client.connect();
  client.on('notification', (msg) => {
    if (msg.channel !== TASK_CHANNEL || !msg.payload) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(msg.payload);
    } catch {
      return; // not one of ours
    }
    // One change (the primitives above) or a transaction's changes (task-store.ts).
    for (const c of Array.isArray(parsed) ? parsed : [parsed]) {
      if (c && typeof c === 'object' && typeof (c as TaskChange).id === 'number') onChange(c as TaskChange);
    }
  });
  // The connection dropped (a server restart, the network): the caller listens again.
  let lost = false;
  const onLost = (err: Error | null): void => {
    if (stopping || lost) return;
    lost = true;
    opts.onLost?.(err);
  };
  client.on('error', (err) => onLost(err));
  client.on('end', () => onLost(null));
  await client.query(`LISTEN ${TASK_CHANNEL}`);
  return {
    stop: async () => {
      stopping = true;
      await client.end().catch(() => undefined);
    },
  };
}
