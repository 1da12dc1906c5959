import type pg from 'pg';
import { schemaVersion } from './migrate.js';

/** `architect db info` on PostgreSQL: the schema version, tasks per status and sessions. */
export async function postgresInfo(pool: pg.Pool): Promise<{ schemaVersion: number; counts: Record<string, number>; sessions: number }> {
  const client = await pool.connect();
  try {
    const version = await schemaVersion(client);
    if (version === 0) return { schemaVersion: 0, counts: {}, sessions: 0 };
    const counts = Object.fromEntries((await client.query<{ status: string; n: number }>('SELECT status, n FROM task_counts ORDER BY status')).rows.map((r) => [r.status, r.n]));
    const sessions = (await client.query<{ n: number }>('SELECT count(*) AS n FROM sessions')).rows[0]!.n;
    return { schemaVersion: version, counts, sessions };
  } finally {
    client.release();
  }
}
