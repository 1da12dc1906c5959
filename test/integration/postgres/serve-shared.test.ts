// `architect serve --db postgres://…`: two consoles (real processes, from the sources)
// on one PostgreSQL queue and one private tmux server with scripted agents. Tasks are
// added through both consoles' API (WebSocket `tasks.create`) and the CLI; one console
// is killed with SIGKILL mid-run. Every task is completed exactly once, no agent is
// given two at once, none is lost, and the surviving console's task table shows the
// shared queue.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index.js';
import { openPool } from '../../../src/main/store/postgres/pool.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { capturedIo } from '../../support/captured-io.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { PrivateTmux } from '../../support/tmux.js';
import { call, openSocket } from '../../hostile/ws-client.js';

const missing = postgresMissing();
const ROOT = path.resolve(import.meta.dirname, '../../..');
const FAKE = path.join(import.meta.dirname, '../../support/fake-agent.mjs');
const AGENTS = 6;
const PER_CONSOLE = 25;
const FROM_CLI = 10;
const TASKS = 2 * PER_CONSOLE + FROM_CLI;

interface Console {
  child: ChildProcess;
  port: number;
  token: string;
  out: () => string;
}

describe.skipIf(missing)(`architect serve on a shared PostgreSQL queue${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let url: string;
  let pool: pg.Pool;
  const tmux = new PrivateTmux();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-serve-shared-'));
  const configDir = path.join(dir, 'config');
  const consoles: ChildProcess[] = [];
  const sockets: WebSocket[] = [];
  let serverPid = 0;

  const serve = async (name: string): Promise<Console> => {
    const dataDir = path.join(dir, `data-${name}`);
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'architect.js'), 'serve', '--port', '0', '--config', configDir, '--db', url, '--no-default-tmux', '--tmux-socket', tmux.socket],
      { env: { ...process.env, ARCHITECT_DATA_DIR: dataDir, ARCHITECT_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    consoles.push(child);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const m = await pollUntil(`console ${name} listening`, () => {
      if (child.exitCode !== null) throw new Error(`serve ${name} exited ${child.exitCode}:\n${out}\n${err}`);
      return /http:\/\/127\.0\.0\.1:(\d+)\/\S*token=([A-Za-z0-9_-]+)/.exec(out);
    }, { limitMs: 90_000 });
    return { child, port: Number(m[1]), token: m[2]!, out: () => out + err };
  };

  beforeAll(async () => {
    cluster = await TestPostgres.start();
    url = await cluster.createDatabase();
    pool = await openPool(parsePostgresUrl(url, 'test'), { max: 4 });
    fs.cpSync(path.join(ROOT, 'config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    fs.mkdirSync(path.join(configDir, 'local'), { recursive: true });
    // A loaded machine can fail a delivery check now and then: a wide retry budget.
    fs.writeFileSync(path.join(configDir, 'local', 'overrides.yaml'), 'routing_rules:\n  environment_routing:\n    bug_fix:\n      max_attempts: 50\n');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const claude = path.join(bin, 'claude');
    fs.copyFileSync(FAKE, claude);
    fs.chmodSync(claude, 0o755);
    for (let i = 0; i < AGENTS; i++) tmux.newSession(`agent_${i}`, [claude, path.join(dir, `agent_${i}.log`), '--work-ms', '300']);
    serverPid = Number(tmux.run('display-message', '-p', '#{pid}').trim());
  }, 180_000);

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    for (const c of consoles) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    tmux.kill();
    if (serverPid > 0) {
      try {
        process.kill(serverPid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    await pool?.end();
    fs.rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  }, 120_000);

  it(`${TASKS} tasks through two consoles' API and the CLI, one console SIGKILLed: each completed once, never two at once for an agent`, async () => {
    const a = await serve('A');
    const b = await serve('B');
    const wsA = await openSocket(a.port, a.token);
    const wsB = await openSocket(b.port, b.token);
    sockets.push(wsA, wsB);
    const ids: number[] = [];
    for (let i = 0; i < PER_CONSOLE; i++) {
      for (const [ws, name] of [[wsA, 'A'], [wsB, 'B']] as const) {
        const res = await call(ws, 'tasks.create', { type: 'bug_fix', title: `${name} ${i}`, prompt: `task ${name} ${i}` }, `${name}${i}`);
        expect(res.error, JSON.stringify(res.error)).toBeUndefined();
        ids.push((res.result as { id: number }).id);
      }
    }
    for (let i = 0; i < FROM_CLI; i++) {
      const io = capturedIo();
      const code = await main(['--db', url, '--config', configDir, 'tasks', 'add', '--type', 'bug_fix', '--title', `cli ${i}`, '--prompt', `task cli ${i}`, '--json'], io, new Promise(() => {}));
      expect(code, io.err()).toBe(0);
      ids.push((JSON.parse(io.out()) as { id: number }).id);
    }
    const count = async (status: string): Promise<number> =>
      (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks WHERE status = $1', [status])).rows[0]!.n;
    await pollUntil('a quarter of the tasks completed', async () => (await count('completed')) >= TASKS / 4, { limitMs: 180_000, intervalMs: 300 }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- A ---\n${a.out()}\n--- B ---\n${b.out()}`);
    });
    b.child.kill('SIGKILL');
    await pollUntil('every task completed', async () => (await count('completed')) === TASKS, { limitMs: 300_000, intervalMs: 500 }).catch(async (err: Error) => {
      const left = (await pool.query('SELECT id, status, assigned_to, status_reason FROM tasks WHERE status <> $1', ['completed'])).rows;
      throw new Error(`${err.message}: ${JSON.stringify(left)}\n--- A ---\n${a.out()}`);
    });
    expect(a.child.exitCode).toBeNull();

    const completions = (await pool.query<{ task_id: number; n: number }>("SELECT task_id, count(*)::int AS n FROM task_events WHERE to_status = 'completed' GROUP BY task_id")).rows;
    expect(completions.map((c) => c.task_id).sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
    expect(completions.every((c) => c.n === 1)).toBe(true);
    const steps = (await pool.query<{ session_id: string; decision: string; task_id: number }>(
      "SELECT session_id, decision, task_id FROM decisions WHERE session_id IS NOT NULL AND decision IN ('assigned', 'completed', 'requeued', 'failed') ORDER BY id",
    )).rows;
    for (let i = 0; i < AGENTS; i++) {
      const mine = steps.filter((s) => s.session_id === `agent_${i}`);
      mine.forEach((s, k) => {
        expect(s.decision === 'assigned', `agent_${i} step ${k}: ${s.decision} of task ${s.task_id}`).toBe(k % 2 === 0);
        if (k % 2 === 1) expect(s.task_id).toBe(mine[k - 1]!.task_id);
      });
    }
    // The surviving console's task table is the shared queue.
    const listed = await call(wsA, 'tasks.list', { status: 'completed', limit: 5 }, 'list');
    expect(listed.result).toMatchObject({ total: TASKS, counts: { completed: TASKS } });
    // Holding runs on the shared queue through the task core (a finished task is refused, with the same words as on SQLite).
    const held = await call(wsA, 'tasks.hold', { id: ids[0] }, 'hold');
    expect(held.error?.message).toMatch(new RegExp(`^task ${ids[0]} is completed: it cannot be held`));
  }, 600_000);
});
