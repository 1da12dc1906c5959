// Two consoles on one PostgreSQL queue as if on two machines (ARCHITECT_HOST_NAME hostA
// and hostB), each watching its own private tmux server as its first local server, each
// with an agent session named `w1` (issue 17). On the queue they are two sessions,
// `SOCKET@hostA:w1` and `SOCKET@hostB:w1` (a `-L` server's sessions carry its socket and
// the machine; the default server's would be `hostA:w1`): each gets a task, each task is
// typed into its own pane only, and an agent finishing completes its own console's
// task — the other console never follows, completes or requeues it. Before machines
// were named, both were `w1`: one console's `w1` got both tasks in turn, and the other
// `w1` never got work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { openPool } from '../../../src/main/store/postgres/pool.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { installFakeClaude, spawnServe, stopChild, type ServeChild } from '../../support/processes.js';
import { PrivateTmux } from '../../support/tmux.js';
import { call, openSocket } from '../../hostile/ws-client.js';

const missing = postgresMissing();
const ROOT = path.resolve(import.meta.dirname, '../../..');
/** hostA's agent finishes a prompt quickly, hostB's only well after: hostA's completion comes first. */
const WORK_MS = { hostA: 1_500, hostB: 12_000 } as const;
type Host = keyof typeof WORK_MS;
const HOSTS: Host[] = ['hostA', 'hostB'];

interface TaskRow {
  id: number;
  prompt: string;
  status: string;
  assigned_to: string | null;
}

// Two machines; and one machine whose two consoles watch two different tmux servers
// (one ARCHITECT_HOST_NAME for both): their w1 are two sessions all the same.
const SET_UPS: Array<[string, Record<Host, string>]> = [
  ["two machines' consoles", { hostA: 'hostA', hostB: 'hostB' }],
  ['two consoles of one machine, on two tmux servers', { hostA: 'box', hostB: 'box' }],
];

describe.skipIf(missing).each(SET_UPS)(`%s on one PostgreSQL queue, each with a tmux session w1${missing ? ` (skipped: ${missing})` : ''}`, (_title, machine) => {
  let cluster: TestPostgres;
  let url: string;
  let pool: pg.Pool;
  const tmux: Record<Host, PrivateTmux> = { hostA: new PrivateTmux(), hostB: new PrivateTmux() };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-two-hosts-'));
  const configDir = path.join(dir, 'config');
  const consoles: ServeChild[] = [];
  const sockets: WebSocket[] = [];
  const log = (host: Host): string => path.join(dir, `${host}.log`);
  /** Its w1 as the queue names it. */
  const w1 = (host: Host): string => `${tmux[host].socket}@${machine[host]}:w1`;
  const typed = (host: Host): string[] => (fs.existsSync(log(host)) ? fs.readFileSync(log(host), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string) : []);

  beforeAll(async () => {
    cluster = await TestPostgres.start();
    url = await cluster.createDatabase();
    pool = await openPool(parsePostgresUrl(url, 'test'), { max: 2 });
    fs.cpSync(path.join(ROOT, 'config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    const claude = installFakeClaude(dir);
    for (const host of HOSTS) tmux[host].newSession('w1', [claude, log(host), '--work-ms', String(WORK_MS[host])]);
  }, 180_000);

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await Promise.all(consoles.map((c) => stopChild(c.child)));
    for (const host of HOSTS) tmux[host].kill();
    await pool?.end();
    fs.rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  }, 120_000);

  it('hostA\'s and hostB\'s w1 each get a task typed into their own pane, and one finishing completes only its own console\'s task', async () => {
    const serve = async (host: Host): Promise<{ console: ServeChild; ws: WebSocket }> => {
      const c = await spawnServe(`console ${host}`, ['--config', configDir, '--db', url, '--no-default-tmux', '--tmux-socket', tmux[host].socket], {
        ARCHITECT_DATA_DIR: path.join(dir, `data-${host}`),
        ARCHITECT_HOST_NAME: machine[host],
      });
      consoles.push(c);
      const ws = await openSocket(c.port, c.token);
      sockets.push(ws);
      return { console: c, ws };
    };
    const a = await serve('hostA');
    const b = await serve('hostB');
    const sessionsOf = async (ws: WebSocket): Promise<Session[]> => {
      const r = await call(ws, 'sessions.list');
      expect(r.error).toBeUndefined();
      return (r.result as { sessions: Session[] }).sessions;
    };
    // Each console sees its own w1, under its machine's name.
    await pollUntil('both consoles list their agent', async () => (await sessionsOf(a.ws)).some((s) => s.agent === 'claude') && (await sessionsOf(b.ws)).some((s) => s.agent === 'claude'), { limitMs: 60_000 });
    expect((await sessionsOf(a.ws)).filter((s) => s.agent === 'claude').map((s) => s.name)).toEqual([w1('hostA')]);
    expect((await sessionsOf(b.ws)).filter((s) => s.agent === 'claude').map((s) => s.name)).toEqual([w1('hostB')]);

    for (const n of [1, 2]) {
      const r = await call(a.ws, 'tasks.create', { type: 'bug_fix', title: `task ${n}`, prompt: `prompt of task ${n}` });
      expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    }
    const tasks = async (): Promise<TaskRow[]> => (await pool.query<TaskRow>('SELECT id, prompt, status, assigned_to FROM tasks ORDER BY id')).rows;
    const dump = async (): Promise<string> => `${JSON.stringify(await tasks())}\n--- hostA ---\n${a.console.output()}\n--- hostB ---\n${b.console.output()}`;
    // Two sessions to the queue: both tasks claimed, one for each machine's w1.
    await pollUntil('both tasks claimed', async () => (await tasks()).every((t) => t.assigned_to !== null), { limitMs: 60_000, intervalMs: 200 }).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await dump()}`);
    });
    const byHost = async (): Promise<Record<Host, TaskRow>> => {
      const rows = await tasks();
      return { hostA: rows.find((t) => t.assigned_to === w1('hostA'))!, hostB: rows.find((t) => t.assigned_to === w1('hostB'))! };
    };
    const claimed = await byHost();
    expect(claimed.hostA, await dump()).toBeDefined();
    expect(claimed.hostB, await dump()).toBeDefined();
    // Each prompt typed into its own pane only.
    await pollUntil('both prompts typed', () => HOSTS.every((h) => typed(h).length > 0), { limitMs: 30_000 });
    expect(typed('hostA')).toEqual([claimed.hostA.prompt]);
    expect(typed('hostB')).toEqual([claimed.hostB.prompt]);
    // Each card shows its own task.
    await pollUntil('each card shows its task', async () =>
      (await sessionsOf(a.ws)).find((s) => s.name === w1('hostA'))?.currentTaskId === claimed.hostA.id &&
      (await sessionsOf(b.ws)).find((s) => s.name === w1('hostB'))?.currentTaskId === claimed.hostB.id, { limitMs: 15_000 });

    // hostA's agent finishes: its task is completed; hostB's is left as it is while its agent works on.
    await pollUntil("hostA's task completed", async () => (await tasks()).find((t) => t.id === claimed.hostA.id)!.status === 'completed', { limitMs: 30_000, intervalMs: 200 });
    const bNow = (await tasks()).find((t) => t.id === claimed.hostB.id)!;
    expect(bNow.status).not.toBe('completed');
    expect(bNow.assigned_to).toBe(w1('hostB'));
    // Nobody but hostB's console changed hostB's task: its one history step after the claim is still to come.
    const events = async (id: number): Promise<string[]> => (await pool.query<{ to_status: string }>('SELECT to_status FROM task_events WHERE task_id = $1 ORDER BY id', [id])).rows.map((r) => r.to_status);
    const bEventsBefore = await events(claimed.hostB.id);
    expect(bEventsBefore.filter((s) => s === 'completed' || s === 'failed'), JSON.stringify(bEventsBefore)).toEqual([]);
    expect(bEventsBefore.at(-1), JSON.stringify(bEventsBefore)).not.toBe('queued');
    // …and then hostB's agent finishes: its own console completes it, once.
    await pollUntil("hostB's task completed", async () => (await tasks()).find((t) => t.id === claimed.hostB.id)!.status === 'completed', { limitMs: 60_000, intervalMs: 300 }).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await dump()}`);
    });
    for (const host of HOSTS) expect((await events(claimed[host].id)).filter((s) => s === 'completed'), host).toHaveLength(1);
    // Every decision that moved a task names its own machine's w1, never the other's, and none requeued or failed it.
    const decisions = (await pool.query<{ task_id: number; session_id: string | null; decision: string; reason: string }>(
      'SELECT task_id, session_id, decision, reason FROM decisions WHERE task_id IS NOT NULL ORDER BY id',
    )).rows;
    for (const host of HOSTS) {
      // A console that found no idle session of its own for a task says so (`queued`, no session): not a change of it.
      const mine = decisions.filter((d) => d.task_id === claimed[host].id && d.session_id !== null);
      expect(mine.map((d) => d.decision), `${host}: ${JSON.stringify(mine)}`).toEqual(['assigned', 'taken', 'in_progress', 'completed']);
      expect(new Set(mine.map((d) => d.session_id)), host).toEqual(new Set([w1(host)]));
    }
    expect(typed('hostA')).toEqual([claimed.hostA.prompt]);
    expect(typed('hostB')).toEqual([claimed.hostB.prompt]);
  }, 240_000);
});
