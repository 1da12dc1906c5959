// The read side of a console on a shared PostgreSQL queue (issue 17): a real
// `architect serve --db postgres://…` (from the sources) on a throw-away cluster, with
// fake agents in a private tmux server. Its named queries and the dashboard figures
// they compute answer from the shared queue (tasks added by the CLI, another process),
// the console's own tables (its sessions) from its own file; the figures are compared
// with SQL on each database. A heavy query does not hold up the light ones, and one
// past its timeout_ms fails alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type WebSocket from 'ws';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { evaluateSla } from '../../../src/main/sla/evaluate.js';
import { openPool } from '../../../src/main/store/postgres/pool.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { fromSqlTime } from '../../../src/main/store/time.js';
import { capturedIo } from '../../support/captured-io.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { installFakeClaude, spawnServe, stopChild, type ServeChild } from '../../support/processes.js';
import { PrivateTmux } from '../../support/tmux.js';
import { openSocket } from '../../hostile/ws-client.js';

const missing = postgresMissing();
const ROOT = path.resolve(import.meta.dirname, '../../..');
const AGENTS = 3;

/** Tasks by type and minutes since creation: each SLA level of several targets (shell 5 min, deploy 30 min at 70/90 %, bug_fix the 10 min default). */
const AGED: Array<[string, number]> = [
  ['shell', 1], ['shell', 4.5], ['shell', 7], ['shell', 8],
  ['deploy', 2], ['deploy', 24], ['deploy', 40],
  ['bug_fix', 1], ['bug_fix', 2], ['bug_fix', 9], ['bug_fix', 15], ['bug_fix', 30],
];

type Row = Record<string, unknown>;

/** One JSON-RPC call, its reply told apart by id (several run at once on one socket). */
function call(ws: WebSocket, method: string, params: unknown, id: string): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error(`no reply to ${method} (${id})`));
    }, 90_000);
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(String(data)) as { id?: unknown; result?: unknown; error?: { code: number; message: string } };
      if (msg.id !== id) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(msg);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  });
}

describe.skipIf(missing)(`a console on a shared PostgreSQL queue reads it${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let url: string;
  let pool: pg.Pool;
  const tmux = new PrivateTmux();
  /** agent_N as the console names it on the shared queue: its only server is this private `-L` one (ARCHITECT_HOST_NAME=testhost). */
  const named = (i: number): string => `${tmux.socket}@testhost:agent_${i}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-serve-reads-'));
  const configDir = path.join(dir, 'config');
  const dataDir = path.join(dir, 'data');
  let served: ServeChild | null = null;
  let ws: WebSocket | null = null;
  let port = 0;
  let token = '';
  let calls = 0;

  const cli = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = capturedIo();
    const code = await main(['--db', url, '--config', configDir, ...argv], io, new Promise(() => {}));
    return { code, out: io.out(), err: io.err() };
  };
  const query = async (name: string, params: Row = {}): Promise<Row[]> => {
    const res = await call(ws!, 'query.run', { name, params }, `q${++calls}`);
    if (res.error) throw new Error(`${name}: ${res.error.message}`);
    return (res.result as { results: Row[] }).results;
  };
  const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> => (await pool.query<R>(text, values)).rows;

  beforeAll(async () => {
    cluster = await TestPostgres.start({ fast: true });
    url = await cluster.createDatabase();
    pool = await openPool(parsePostgresUrl(url, 'test'), { max: 4 });
    fs.cpSync(path.join(ROOT, 'config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    fs.mkdirSync(path.join(configDir, 'local'), { recursive: true });
    // A heavy query and one that overstays its timeout: pg_sleep on PostgreSQL (their sql, for SQLite, is the same shape without it).
    fs.writeFileSync(
      path.join(configDir, 'local', 'overrides.yaml'),
      // No config indexes: their build in a worker can hold the console file's write lock
      // while the first sessions are recorded (a race seen under load; see the report).
      `sla_rules:
  escalation_rules:
    - condition: "percent_used >= critical_percent"
      action: "alert_user"
      notification_channels: ["dashboard", "log"]
    - condition: "task_type != 'deploy' && status == 'assigned' && percent_used >= critical_percent"
      action: "reassign"
    - condition: "task_type == 'deploy' && status == 'assigned' && percent_used >= critical_percent"
      action: "reassign"
      to_session: "${named(2)}"
queries:
  indexes: []
  queries:
    slow_count:
      description: "A heavy query: sleeps, then counts the tasks"
      sql: "SELECT '' AS slept, count(*) AS n FROM tasks"
      postgres: "SELECT pg_sleep(1.5)::text AS slept, count(*) AS n FROM tasks"
      cache_ttl: 0
      timeout_ms: 60000
    overstays:
      description: "Sleeps past its timeout"
      sql: "SELECT '' AS slept FROM tasks LIMIT 1"
      postgres: "SELECT pg_sleep(30)::text AS slept FROM tasks LIMIT 1"
      cache_ttl: 0
      timeout_ms: 400
`,
    );
    const claude = installFakeClaude(dir);
    for (let i = 0; i < AGENTS; i++) tmux.newSession(`agent_${i}`, [claude, path.join(dir, `agent_${i}.log`), '--work-ms', '300']);

    // The queue, from the CLI (another process), aged to every SLA level.
    for (const [type, minutes] of AGED) {
      const added = await cli('tasks', 'add', '--type', type, '--title', `${type} ${minutes} min`, '--prompt', `do ${type}`, '--json');
      expect(added.code, added.err).toBe(0);
      const id = (JSON.parse(added.out) as { id: number }).id;
      await sql("UPDATE tasks SET created_at = to_char((now() AT TIME ZONE 'UTC') - make_interval(secs => $2), 'YYYY-MM-DD HH24:MI:SS.MS') WHERE id = $1", [id, minutes * 60]);
    }

    served = await spawnServe('the console', ['--no-dispatch', '--config', configDir, '--db', url, '--no-default-tmux', '--tmux-socket', tmux.socket], { ARCHITECT_DATA_DIR: dataDir, ARCHITECT_HOST_NAME: 'testhost' });
    port = served.port;
    token = served.token;
    ws = await openSocket(port, token);
  }, 180_000);

  afterAll(async () => {
    ws?.terminate();
    if (served) await stopChild(served.child);
    tmux.kill();
    await pool?.end();
    fs.rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  }, 120_000);

  it('the dashboard figures count the shared queue (and this console\'s own agents), as SQL does on each database', async () => {
    // stats_dashboard: the tasks from PostgreSQL, the agents from this console's own file.
    const own = new Database(path.join(dataDir, 'console.db'), { readonly: true, fileMustExist: true });
    try {
      const stats = await pollUntil('stats_dashboard with every agent idle', async () => {
        const [row] = await query('stats_dashboard');
        return Number(row?.idle_sessions) === AGENTS ? row! : null;
      }, { limitMs: 60_000, intervalMs: 500 }).catch((err: Error) => {
        throw new Error(`${err.message}\n${served?.output()}`);
      });
      const [counts] = await sql<{ pending: number; active: number }>("SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'in_progress')::int AS active FROM tasks");
      const sessions = own.prepare("SELECT count(*) FILTER (WHERE status = 'idle') AS idle, count(*) FILTER (WHERE status = 'working') AS working FROM sessions").get() as { idle: number; working: number };
      const errors = own.prepare('SELECT count(*) AS n FROM errors WHERE resolved = 0').get() as { n: number };
      expect(stats).toEqual({
        pending_tasks: counts!.pending,
        active_tasks: counts!.active,
        completed_today: 0,
        idle_sessions: sessions.idle,
        working_sessions: sessions.working,
        open_errors: errors.n,
      });
      expect(counts!.pending).toBe(AGED.length);

      // sessions_active reads only this console's own tables: it runs on its own file.
      const active = await query('sessions_active');
      expect(active.map((r) => r.name).sort()).toEqual(Array.from({ length: AGENTS }, (_, i) => named(i)));
    } finally {
      own.close();
    }

    // sla_by_type: every open task evaluated against sla_rules.yaml, read by SQL.
    const rules = SlaFile.parse(parse(fs.readFileSync(path.join(configDir, 'base', 'sla_rules.yaml'), 'utf8')));
    const now = new Date();
    const open = await sql<{ id: number; type: string; status: string; created_at: string }>("SELECT id, type, status, created_at FROM tasks WHERE status IN ('pending', 'assigned', 'in_progress', 'blocked')");
    const expected = new Map<string, { ok: number; warning: number; critical: number }>();
    for (const t of open) {
      const e = evaluateSla({ id: t.id, type: t.type, status: t.status as 'pending', createdAt: fromSqlTime(t.created_at), startedAt: null, priority: 0, assignedTo: null }, rules, now);
      if (!e) continue;
      const counts = expected.get(t.type) ?? { ok: 0, warning: 0, critical: 0 };
      counts[e.level]++;
      expected.set(t.type, counts);
    }
    const byType = await query('sla_by_type');
    expect(Object.fromEntries(byType.map((r) => [r.type, { ok: r.ok, warning: r.warning, critical: r.critical }]))).toEqual(Object.fromEntries(expected));
    expect(expected.get('shell')).toEqual({ ok: 1, warning: 1, critical: 2 });
    expect(expected.get('deploy')).toEqual({ ok: 1, warning: 1, critical: 1 });
    expect(expected.get('bug_fix')).toEqual({ ok: 2, warning: 1, critical: 2 });
    // The same over HTTP (GET /api/query/NAME), and the per-project counts beside it.
    const http = (await (await fetch(`http://127.0.0.1:${port}/api/query/sla_by_type`, { headers: { authorization: `Bearer ${token}` } })).json()) as { results: Row[] };
    expect(http.results).toEqual(byType);
    const byProject = await query('sla_by_project');
    expect(byProject).toEqual([{ project_id: null, open: AGED.length, ok: 4, warning: 3, critical: 5 }]);

    // task_performance_by_type against SQL over the same rows.
    const perf = await query('task_performance_by_type');
    const perType = await sql<{ type: string; total: number }>("SELECT type, count(*)::int AS total FROM tasks GROUP BY type");
    expect(Object.fromEntries(perf.map((r) => [r.type, r.total]))).toEqual(Object.fromEntries(perType.map((r) => [r.type, r.total])));
  }, 120_000);

  it('a change anywhere (this console\'s API, another process\'s CLI) is in the next answer, cached or not', async () => {
    const pending = async (): Promise<number> => Number((await query('stats_dashboard'))[0]?.pending_tasks);
    const before = await pending();
    const first = (await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' ORDER BY id LIMIT 1"))[0]!.id;
    const cancelled = await call(ws!, 'tasks.cancel', { id: first }, 'cancel');
    expect(cancelled.error).toBeUndefined();
    // stats_dashboard is cached for 30 s: the queue's NOTIFY drops the entry.
    await pollUntil('the cancel counted', async () => (await pending()) === before - 1, { limitMs: 20_000, intervalMs: 200 });
    const added = await cli('tasks', 'add', '--type', 'shell', '--title', 'one more', '--prompt', 'echo', '--json');
    expect(added.code, added.err).toBe(0);
    await pollUntil('the CLI\'s task counted', async () => (await pending()) === before, { limitMs: 20_000, intervalMs: 200 });
  }, 60_000);

  it('route.dryRun (and the CLI\'s route --dry-run) plans the shared queue with this console\'s agents, assigning nothing', async () => {
    const res = await call(ws!, 'route.dryRun', {}, 'dry');
    expect(res.error).toBeUndefined();
    const decisions = (res.result as { decisions: Array<{ taskId: number; kind: string; session: string | null; taskType: string }> }).decisions;
    const queued = await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending'");
    expect(decisions.map((d) => d.taskId).sort((a, b) => a - b)).toEqual(queued.map((r) => r.id).sort((a, b) => a - b));
    // Each idle agent would get one task; nothing was claimed.
    const assigned = decisions.filter((d) => d.kind === 'assign');
    expect(assigned.length).toBe(AGENTS);
    expect(new Set(assigned.map((d) => d.session))).toEqual(new Set(Array.from({ length: AGENTS }, (_, i) => named(i))));
    expect((await sql<{ n: number }>("SELECT count(*)::int AS n FROM tasks WHERE status <> 'pending' AND status <> 'cancelled'"))[0]!.n).toBe(0);

    const fromCli = await cli('--no-default-tmux', '--tmux-socket', tmux.socket, 'route', '--dry-run', '--json');
    expect(fromCli.code, fromCli.err).toBe(0);
    const cliDecisions = (JSON.parse(fromCli.out) as { decisions: Array<{ taskId: number; kind: string }> }).decisions;
    expect(cliDecisions.map((d) => [d.taskId, d.kind])).toEqual(decisions.map((d) => [d.taskId, d.kind]));
  }, 60_000);

  it('the SLA watch reads the shared tasks: an alert for each task past its target, kept in this console\'s own file, and the next crossing wakes it', async () => {
    const rules = SlaFile.parse(parse(fs.readFileSync(path.join(configDir, 'base', 'sla_rules.yaml'), 'utf8')));
    const alertedTasks = async (): Promise<number[]> => {
      const res = await call(ws!, 'alerts.list', { limit: 1000 }, `alerts${++calls}`);
      if (res.error) throw new Error(res.error.message);
      // A shared task is named in the alert's text (and its task_id: shared-console.test.ts).
      return (res.result as { alerts: Array<{ message: string; level: string }> }).alerts
        .filter((a) => a.level === 'critical')
        .map((a) => Number(/task #(\d+)/.exec(a.message)?.[1]))
        .sort((a, b) => a - b);
    };
    const critical = async (): Promise<number[]> => {
      const now = new Date();
      const open = await sql<{ id: number; type: string; created_at: string }>("SELECT id, type, created_at FROM tasks WHERE status IN ('pending', 'assigned', 'in_progress', 'blocked') ORDER BY id");
      return open
        .filter((t) => evaluateSla({ id: t.id, type: t.type, status: 'pending', createdAt: fromSqlTime(t.created_at), startedAt: null, priority: 0, assignedTo: null }, rules, now)?.level === 'critical')
        .map((t) => t.id);
    };
    const want = await critical();
    expect(want.length).toBeGreaterThanOrEqual(5);
    await pollUntil('an alert for every critical task', async () => JSON.stringify(await alertedTasks()) === JSON.stringify(want), { limitMs: 30_000, intervalMs: 300 }).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await alertedTasks())} vs ${JSON.stringify(want)}\n${served?.output().slice(-3000)}`);
    });
    // The alerts are this console's own (console.db); the shared database has none.
    expect((await sql<{ n: number }>('SELECT count(*)::int AS n FROM notifications'))[0]!.n).toBe(0);
    const own = new Database(path.join(dataDir, 'console.db'), { readonly: true, fileMustExist: true });
    try {
      expect((own.prepare("SELECT count(*) AS n FROM notifications WHERE kind = 'sla'").get() as { n: number }).n).toBe(want.length);
    } finally {
      own.close();
    }
    // Each alert is in its shared task's decision trail.
    const trail = await sql<{ task_id: number }>("SELECT task_id FROM decisions WHERE kind = 'sla' AND decision = 'alert' ORDER BY task_id");
    expect(trail.map((r) => r.task_id)).toEqual(want);

    // A shell task 3 s before its 5 min target: nothing says anything about it after a
    // change is seen, and its crossing alone brings the alert.
    const added = await cli('tasks', 'add', '--type', 'shell', '--title', 'about to cross', '--prompt', 'echo', '--json');
    expect(added.code, added.err).toBe(0);
    const id = (JSON.parse(added.out) as { id: number }).id;
    await sql("UPDATE tasks SET created_at = to_char((now() AT TIME ZONE 'UTC') - interval '5 minutes' + interval '3 seconds', 'YYYY-MM-DD HH24:MI:SS.MS') WHERE id = $1", [id]);
    // A change (this console's cancel of another task) makes the watch look again and set its timer.
    const other = (await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' AND type = 'deploy' ORDER BY id LIMIT 1"))[0]!.id;
    expect((await call(ws!, 'tasks.cancel', { id: other }, 'cancel-deploy')).error).toBeUndefined();
    expect(await alertedTasks()).not.toContain(id);
    await pollUntil('the crossing alerted', async () => (await alertedTasks()).includes(id), { limitMs: 30_000, intervalMs: 300 });
  }, 90_000);

  it('an SLA reassign takes a held shared task back to the queue, through the task store, once', async () => {
    const task = (await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' AND type = 'bug_fix' ORDER BY created_at LIMIT 1"))[0]!.id;
    // Held by an agent, well past its target (set here as another console's claim would leave it).
    await sql(`UPDATE tasks SET status = 'assigned', assigned_to = '${named(1)}' WHERE id = $1`, [task]);
    const other = (await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' AND id <> $1 ORDER BY id DESC LIMIT 1", [task]))[0]!.id;
    expect((await call(ws!, 'tasks.cancel', { id: other }, 'cancel-for-reassign')).error).toBeUndefined();
    await pollUntil('the task back in the queue', async () => (await sql<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [task]))[0]!.status === 'pending', { limitMs: 30_000, intervalMs: 300 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${served?.output().slice(-3000)}`);
    });
    const history = await sql<{ reason: string }>("SELECT reason FROM task_events WHERE task_id = $1 AND to_status = 'pending' ORDER BY id DESC LIMIT 1", [task]);
    expect(history[0]!.reason).toBe(`back to the queue: reassigned by SLA (critical), taken from ${named(1)}`);
    const once = await sql<{ decision: string }>("SELECT decision FROM decisions WHERE task_id = $1 AND kind = 'sla' AND decision LIKE 'sla:%:reassign:%'", [task]);
    expect(once.length).toBe(1);
    // Not again: held once more and looked at again, the once-key stands.
    await sql(`UPDATE tasks SET status = 'assigned', assigned_to = '${named(1)}' WHERE id = $1`, [task]);
    const third = (await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' AND id <> $1 ORDER BY id DESC LIMIT 1", [task]))[0]!.id;
    expect((await call(ws!, 'tasks.cancel', { id: third }, 'cancel-again')).error).toBeUndefined();
    // The watch has had its look (a wake follows the cancel within a second or so): nothing moves.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await sql<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [task]))[0]!.status).toBe('assigned');
  }, 60_000);

  it('an SLA reassign with to_session sends a held shared task to that session, through the task store, once', async () => {
    // The 40-minute deploy task (critical past 27 min), held by agent_1 as another console's claim would leave it.
    const task = (await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' AND type = 'deploy' AND title = 'deploy 40 min'"))[0]!.id;
    await sql(`UPDATE tasks SET status = 'assigned', assigned_to = '${named(1)}' WHERE id = $1`, [task]);
    const other = (await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' AND id <> $1 ORDER BY id DESC LIMIT 1", [task]))[0]!.id;
    expect((await call(ws!, 'tasks.cancel', { id: other }, 'cancel-for-send')).error).toBeUndefined();
    await pollUntil('the task queued for agent_2', async () => {
      const [row] = await sql<{ status: string; route_to: string | null }>('SELECT status, route_to FROM tasks WHERE id = $1', [task]);
      return row!.status === 'pending' && row!.route_to === named(2);
    }, { limitMs: 30_000, intervalMs: 300 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${served?.output().slice(-3000)}`);
    });
    const history = await sql<{ reason: string }>("SELECT reason FROM task_events WHERE task_id = $1 AND to_status = 'pending' ORDER BY id DESC LIMIT 1", [task]);
    expect(history[0]!.reason).toBe(`back to the queue: SLA (critical) sent it to ${named(2)}, taken from ${named(1)}`);
    expect((await sql<{ attempts: number }>('SELECT attempts FROM tasks WHERE id = $1', [task]))[0]!.attempts).toBe(0);
    const once = await sql<{ session_id: string; reason: string }>("SELECT session_id, reason FROM decisions WHERE task_id = $1 AND kind = 'sla' AND decision LIKE 'sla:%:reassign:%'", [task]);
    expect(once).toEqual([{ session_id: named(2), reason: expect.stringMatching(new RegExp(`^SLA critical reassign to ${named(2)}: .*; back to the queue: SLA \\(critical\\) sent it to ${named(2)}, taken from ${named(1)}$`)) as unknown as string }]);
    // Not again: held once more and looked at again, the once-key stands.
    await sql(`UPDATE tasks SET status = 'assigned', assigned_to = '${named(1)}', route_to = NULL WHERE id = $1`, [task]);
    const third = (await sql<{ id: number }>("SELECT id FROM tasks WHERE status = 'pending' AND id <> $1 ORDER BY id DESC LIMIT 1", [task]))[0]!.id;
    expect((await call(ws!, 'tasks.cancel', { id: third }, 'cancel-send-again')).error).toBeUndefined();
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await sql<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [task]))[0]!.status).toBe('assigned');
    expect(served?.output()).not.toContain(`reassign to ${named(2)} is not applied`);
  }, 60_000);

  it('a heavy query does not hold up the light ones, and one past its timeout fails alone', async () => {
    // Once slow, slow_count is heavy: it may not take the last free connection.
    expect(Number((await query('slow_count'))[0]?.n)).toBeGreaterThan(0);
    let heavyDone = 0;
    const heavy = Array.from({ length: 3 }, () => query('slow_count').then(() => heavyDone++));
    const light = await query('tasks_by_status', { status: 'pending', limit: 5 });
    expect(light.length).toBe(5);
    expect(heavyDone).toBe(0);
    await Promise.all(heavy);

    const overstaying = query('overstays').then(() => 'answered', (err: Error) => err.message);
    const beside = await query('tasks_by_id', { id: 1 });
    expect(beside.length).toBe(1);
    expect(await overstaying).toMatch(/query "overstays" ran longer than 400 ms and was stopped/);
    // And after it, everything answers as before.
    expect((await query('queue_depth_by_type')).length).toBeGreaterThan(0);
  }, 90_000);
});
