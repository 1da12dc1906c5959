// Two consoles (separate processes) on one PostgreSQL database and one private tmux
// server with scripted agents: tasks added from the CLI and through the store (as the
// API adds them) while both run; one console is killed with SIGKILL mid-run. Every
// task is completed exactly once, no agent is ever given two tasks at once, none is
// lost: what the dead console held goes back to the queue when its lease runs out, or
// is followed to its end by the console that still sees its agent.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index.js';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { openPool } from '../../../src/main/store/postgres/pool.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { capturedIo } from '../../support/captured-io.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { installFakeClaude, stopChild } from '../../support/processes.js';
import { PrivateTmux } from '../../support/tmux.js';

const missing = postgresMissing();
const CONSOLE = path.join(import.meta.dirname, 'fixtures/shared-console.ts');
const AGENTS = 8;
const TASKS = 120;
const FROM_CLI = 20;
const WORK_MS = 300;
const LEASE_MS = 4_000;

describe.skipIf(missing)(`two consoles on one PostgreSQL queue${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let url: string;
  let pool: pg.Pool;
  const tmux = new PrivateTmux();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-two-consoles-'));
  const consoles: ChildProcess[] = [];

  const startConsole = async (holder: string): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', CONSOLE, url, tmux.socket, holder, String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    consoles.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await pollUntil(`${holder} ready`, () => {
      if (child.exitCode !== null) throw new Error(`${holder} exited ${child.exitCode}: ${err}`);
      return out.includes('ready');
    }, { limitMs: 60_000 });
    return child;
  };

  beforeAll(async () => {
    cluster = await TestPostgres.start();
    url = await cluster.createDatabase();
    pool = await openPool(parsePostgresUrl(url, 'test'), { max: 4 });
    await migratePostgres(pool, url, migrations);
    const claude = installFakeClaude(dir);
    for (let i = 0; i < AGENTS; i++) tmux.newSession(`agent_${i}`, [claude, path.join(dir, `agent_${i}.log`), '--work-ms', String(WORK_MS)]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(consoles.map((c) => stopChild(c, 0)));
    tmux.kill();
    await pool?.end();
    fs.rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  });

  it(`${TASKS} tasks from the CLI and the API over ${AGENTS} agents: each completed once, never two at once for an agent, none lost when a console is SIGKILLed`, async () => {
    const a = await startConsole('console A');
    const b = await startConsole('console B');
    const store = new PostgresTaskStore(pool);
    const ids: number[] = [];
    // From the CLI (another process's writes, announced by NOTIFY)…
    for (let i = 0; i < FROM_CLI; i++) {
      const io = capturedIo();
      const code = await main(['--db', url, 'tasks', 'add', '--type', 'bug_fix', '--title', `cli ${i}`, '--prompt', `task cli ${i}`, '--json'], io, new Promise(() => {}));
      expect(code, io.err()).toBe(0);
      ids.push((JSON.parse(io.out()) as { id: number }).id);
    }
    // …and through the task store, as the consoles' API adds them, in bursts.
    for (let i = FROM_CLI; i < TASKS; i += 20) {
      const added = await Promise.all(Array.from({ length: Math.min(20, TASKS - i) }, (_, j) => store.add({ type: 'bug_fix', title: `api ${i + j}`, prompt: `task api ${i + j}`, priority: 5 })));
      ids.push(...added.map((t) => t.id));
    }
    const completed = async (): Promise<number> => (await store.counts()).completed;
    const where = async (): Promise<string> => JSON.stringify(await store.counts());
    await pollUntil('a quarter of the tasks completed', async () => (await completed()) >= TASKS / 4, { limitMs: 120_000, intervalMs: 200 });
    // Console B dies mid-run, holding whatever it holds.
    b.kill('SIGKILL');
    await pollUntil('every task completed', async () => (await completed()) === TASKS, { limitMs: 240_000, intervalMs: 500 }).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await where()}`);
    });
    expect(a.exitCode).toBeNull();

    // Exactly once: one completion per task in its history.
    const completions = (await pool.query<{ task_id: number; n: number }>("SELECT task_id, count(*)::int AS n FROM task_events WHERE to_status = 'completed' GROUP BY task_id")).rows;
    expect(completions.length).toBe(TASKS);
    expect(completions.every((c) => c.n === 1)).toBe(true);
    // Both consoles claimed.
    const claimers = (await pool.query<{ reason: string }>("SELECT DISTINCT reason FROM decisions WHERE decision = 'assigned'")).rows;
    expect(claimers.length).toBeGreaterThan(0);
    // Never two at once: per agent, what it was given and what ended alternate, in commit order.
    const steps = (await pool.query<{ session_id: string; decision: string; task_id: number }>(
      "SELECT session_id, decision, task_id FROM decisions WHERE session_id IS NOT NULL AND decision IN ('assigned', 'completed', 'requeued', 'failed') ORDER BY id",
    )).rows;
    for (let i = 0; i < AGENTS; i++) {
      const mine = steps.filter((s) => s.session_id === `agent_${i}`);
      expect(mine.length, `agent_${i} worked`).toBeGreaterThan(0);
      mine.forEach((s, k) => {
        expect(s.decision === 'assigned', `agent_${i} step ${k}: ${s.decision} of task ${s.task_id}`).toBe(k % 2 === 0);
        if (k % 2 === 1) expect(s.task_id, `agent_${i} step ${k} ends the task it was given`).toBe(mine[k - 1]!.task_id);
      });
    }
    // Nothing left held, no lease left behind.
    expect((await pool.query('SELECT task_id FROM task_leases')).rows).toEqual([]);
  }, 420_000);
});
