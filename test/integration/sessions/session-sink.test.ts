// A publish writes only the session rows that changed: every publish used to rewrite all
// 100 rows (and look up each one's project) although one pane had changed state.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { StoreSessionSink } from '../../../src/main/setup/sessions.js';
import { tempStore } from '../store/temp-store.js';
import { pollUntil } from '../../support/poll.js';

let db: ReturnType<typeof tempStore>;
beforeEach(() => {
  db = tempStore();
});
afterEach(() => db.remove());

const session = (i: number, over: Partial<Session> = {}): Session =>
  ({ id: `bench:%${i}`, name: `agent${i}`, server: 'bench', agent: 'codex', cwd: `/work/p${i % 3}`, state: 'idle', ...over }) as unknown as Session;

describe('the sessions sink', () => {
  it('writes every row once, then only those whose name, agent, folder or liveness changed', () => {
    const written: string[] = [];
    const upsert = db.store.sessions.upsert.bind(db.store.sessions);
    db.store.sessions.upsert = (s) => {
      written.push(s.id);
      upsert(s);
    };
    const sink = new StoreSessionSink(db.store, silentLogger);
    const all = Array.from({ length: 100 }, (_, i) => session(i));
    sink.upsert(all);
    expect(written).toHaveLength(100);

    written.length = 0;
    // A state change between two live states, output, a new last line: no row to write.
    sink.upsert(all.map((s, i) => (i === 5 ? { ...s, state: 'working', lastLine: 'thinking' } : s)));
    expect(written).toEqual([]);

    const changed = all.map((s, i) => (i === 7 ? { ...s, cwd: '/work/elsewhere' } : i === 9 ? { ...s, state: 'exited' as const } : s));
    sink.upsert(changed);
    expect(written).toEqual(['bench:%7', 'bench:%9']);
    const cwd = (id: string) => (db.store.reader.prepare('SELECT cwd FROM sessions WHERE id = ?').get(id) as { cwd: string }).cwd;
    expect(cwd('bench:%7')).toBe('/work/elsewhere');

    written.length = 0;
    sink.upsert(changed);
    expect(written).toEqual([]);
    sink.upsert(all); // %9 alive again (its heartbeat is written), %7 back in its folder
    expect(written).toEqual(['bench:%7', 'bench:%9']);
  });

  it('writes again by itself when the database was busy (no later change needed), and tells the rows once they are committed', async () => {
    const sink = new StoreSessionSink(db.store, silentLogger, 50);
    const told: string[][] = [];
    sink.onWritten((rows) => told.push(rows.map((r) => `${r.id}=${r.name}`)));
    // Another connection holds the write lock (at start-up: a config index built on a big file).
    db.store.writer.pragma('busy_timeout = 20');
    const other = new Database(db.dbPath);
    other.exec('BEGIN IMMEDIATE');
    const rows = () => (db.store.reader.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
    try {
      sink.upsert([session(1), session(2)]);
      expect(rows()).toBe(0);
      expect(told).toEqual([]); // not written: nobody told
      other.exec('COMMIT');
      // No further publish: the sink's own retry writes them, and tells them then.
      await pollUntil('the sessions written', () => rows() === 2, { limitMs: 5_000 });
      expect(told).toEqual([['bench:%1=agent1', 'bench:%2=agent2']]);
      // A rename is a row written; an unchanged publish is none.
      sink.upsert([session(1, { name: 'renamed' }), session(2)]);
      sink.upsert([session(1, { name: 'renamed' }), session(2)]);
      expect(told).toEqual([['bench:%1=agent1', 'bench:%2=agent2'], ['bench:%1=renamed']]);
    } finally {
      sink.stop();
      other.close();
    }
  });

  it('while a config index is being built, neither rows nor transitions are tried: they wait in memory and are written in order once it is done', async () => {
    let building = true;
    const sink = new StoreSessionSink(db.store, silentLogger, 50, () => building);
    const tried: string[] = [];
    const upsert = db.store.sessions.upsert.bind(db.store.sessions);
    db.store.sessions.upsert = (s) => {
      tried.push(`row ${s.id}`);
      upsert(s);
    };
    const record = db.store.sessions.recordTransition.bind(db.store.sessions);
    db.store.sessions.recordTransition = (...args) => {
      tried.push(`transition ${args[0]} ${args[2]}`);
      record(...args);
    };
    // The builder's connection holds the write lock for the whole build.
    const other = new Database(db.dbPath);
    other.exec('BEGIN IMMEDIATE');
    const events = () =>
      db.store.reader.prepare('SELECT session_id AS id, from_state AS "from", to_state AS "to" FROM session_events ORDER BY rowid').all() as Array<{ id: string; from: string; to: string }>;
    try {
      sink.upsert([session(1), session(2)]);
      sink.recordTransition('bench:%1', 'unknown', 'idle', 'prompt', '2026-12-07T10:00:00.000Z');
      sink.recordTransition('bench:%2', 'unknown', 'working', 'spinner', '2026-12-07T10:00:00.100Z');
      sink.recordTransition('bench:%1', 'idle', 'working', 'spinner', '2026-12-07T10:00:00.200Z');
      // Nothing was tried: a try would have waited on the builder's lock on this thread.
      expect(tried).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(tried).toEqual([]);
      other.exec('COMMIT');
      building = false;
      await pollUntil('the rows and transitions written', () => events().length === 3, { limitMs: 5_000 });
      expect(tried).toEqual(['row bench:%1', 'row bench:%2', 'transition bench:%1 idle', 'transition bench:%2 working', 'transition bench:%1 working']);
      expect(events()).toEqual([
        { id: 'bench:%1', from: 'unknown', to: 'idle' },
        { id: 'bench:%2', from: 'unknown', to: 'working' },
        { id: 'bench:%1', from: 'idle', to: 'working' },
      ]);
      // Afterwards a transition is written at once again.
      sink.recordTransition('bench:%2', 'working', 'idle', 'prompt', '2026-12-07T10:00:01.000Z');
      expect(events()).toHaveLength(4);
    } finally {
      sink.stop();
      other.close();
    }
  });
});
