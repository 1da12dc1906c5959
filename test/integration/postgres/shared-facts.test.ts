// A console on a shared PostgreSQL queue knows the shared tasks its agents hold and
// finish, though its own tasks table is empty: a session card shows the task the agent
// holds there (claimed by another console), kept from the queue's announced changes
// (LISTEN/NOTIFY) without a read of the queue per change; a shared task completed or
// failed (by another console) is a task_completed / task_failed event with the task's
// facts, and starts the workflows triggered by it; an SLA alert and an agent exiting
// mid-task name the shared task's title and type. A real core (startCore) on a
// throw-away cluster, scripted agents in a private tmux server, a webhook receiver.
import fs from 'node:fs';
import path from 'node:path';
import type { Session, WorkflowRun } from '../../../src/shared/api.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { keepCurrentTasks } from '../../../src/main/store/current-tasks.js';
import { StoreSessionSink } from '../../../src/main/setup/sessions.js';
import { PostgresHeldTasks } from '../../../src/main/store/postgres/held-tasks.js';
import { PostgresTaskOutcomes } from '../../../src/main/store/postgres/task-outcomes.js';
import { listenForTasks } from '../../../src/main/store/postgres/queue.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl, type PostgresTarget } from '../../../src/main/store/postgres/url.js';
import { pollUntil } from '../../support/poll.js';
import { tempStore } from '../store/temp-store.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { notifyingWorkflows } from '../../support/workflow-console.js';
import { AttentionConsole, Receiver, type Agent } from '../attention/harness.js';

const LIMIT_MS = 30_000;
const NOTIFICATIONS = (url: string) => `version: "1.0"
channels:
  hook: { type: webhook, url: "${url}/hook", retry: { attempts: 2, backoff_seconds: 0.5 } }
rules:
  - on: [task_completed, task_failed, agent_exited_mid_task]
    channels: [hook]
`;
// Only the type "slow" runs over (0.02 min is 1.2 s); every other task has an hour.
const SLA = `version: "1.0"
sla_targets:
  slow: { target_minutes: 0.02, warning_percent: 80, critical_percent: 100 }
  default: { target_minutes: 60, warning_percent: 80, critical_percent: 100 }
escalation_rules:
  - condition: "percent_used >= critical_percent"
    action: alert_user
    notification_channels: [dashboard, hook]
`;
const on = (event: string): string => `{ type: "event", event: "${event}" }`;
const WORKFLOWS = notifyingWorkflows([
  ['on_done', on('task_completed'), 'done #${trigger.task.id} ${trigger.task.title} by ${trigger.session.name}'],
  ['on_failed', on('task_failed'), 'failed #${trigger.task.id} ${trigger.task.title} (${trigger.task.type})'],
]);

const missing = postgresMissing();

/** A listed pane, as the sessions' writer gets it (what its row keeps). */
const pane = (id: string, name: string): Session =>
  ({ id, name, server: 'default', agent: 'claude', cwd: '/work/p', state: 'idle' }) as unknown as Session;

describe.skipIf(missing)(`a shared console's facts about the shared tasks${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let pool: pg.Pool;
  let target: PostgresTarget;
  let queue: PostgresTaskStore;
  let c: AttentionConsole;
  let agent: Agent;
  const receiver = new Receiver();
  const posts = (event: string, taskId: number) => receiver.of((b) => b.event === event && b.task_id === taskId);
  const post = (event: string, taskId: number) => pollUntil(event, () => posts(event, taskId)[0], { limitMs: LIMIT_MS, intervalMs: 100 });
  const runsOf = async (workflow: string): Promise<WorkflowRun[]> => (await c.call('workflows.runs', { limit: 100 })).runs.filter((r) => r.workflow === workflow);
  const messages = async (): Promise<string[]> => (await c.call('alerts.list', { includeAcknowledged: true, limit: 1000 })).alerts.map((a) => a.message);

  beforeAll(async () => {
    cluster = await TestPostgres.start({ fast: true });
    const url = await cluster.createDatabase();
    target = parsePostgresUrl(url, 'test');
    pool = new pg.Pool({ connectionString: url, max: 3 });
    await migratePostgres(pool, url, migrations);
    queue = new PostgresTaskStore(pool);
    await receiver.start();
    c = new AttentionConsole(NOTIFICATIONS(receiver.url));
    c.writeConfig('sla_rules.yaml', SLA);
    fs.appendFileSync(path.join(c.configDir, 'base', 'workflows.yaml'), WORKFLOWS);
    agent = c.agent('dev_worker1');
    await c.start(target);
  }, 180_000);

  afterAll(async () => {
    await c?.stop();
    await receiver.close();
    await pool?.end();
    await cluster?.stop();
  }, 60_000);

  /** sessions.current_task_id of the agent's row in the console's own file. */
  const ownCurrentTask = (name: string): number | null => {
    const db = new Database(c.dbPath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT current_task_id FROM sessions WHERE name = ? AND gone_at IS NULL').pluck().get(name) as number | null;
    } finally {
      db.close();
    }
  };

  it('a session card — and the session\'s row in the console\'s own file — shows the shared task its agent holds, and none once it is finished', async () => {
    await pollUntil('the agent listed', async () => (await c.session(agent.name)) !== undefined, { limitMs: 30_000, intervalMs: 200 });
    // Its row follows (written after the start's config indexes are built: rows wait in memory meanwhile).
    await pollUntil('the agent\'s row written', () => ownCurrentTask(agent.name) !== undefined, { limitMs: 10_000, intervalMs: 100 });
    expect(ownCurrentTask(agent.name)).toBeNull();
    // Another console claims a task for this console's agent.
    const task = await queue.add({ type: 'bug_fix', title: 'held by dev_worker1', prompt: 'p', priority: 5 });
    expect(await queue.claimMany([{ taskId: task.id, session: agent.name, reason: 'test' }], [], new Date())).toHaveLength(1);
    await pollUntil('the card to show the shared task', async () => (await c.session(agent.name))?.currentTaskId === task.id, { limitMs: 15_000, intervalMs: 100 });
    // The console's own tables say so too (its tasks table is empty: the id is the shared task's).
    await pollUntil('the own file to name the shared task', () => ownCurrentTask(agent.name) === task.id, { limitMs: 15_000, intervalMs: 100 });
    expect(await queue.start(task.id, agent.name, 'working', new Date())).toBe(true);
    expect(await queue.complete(task.id, agent.name, 'done', new Date())).toBe(true);
    await pollUntil('the card to show no task', async () => (await c.session(agent.name))?.currentTaskId === null, { limitMs: 15_000, intervalMs: 100 });
    await pollUntil('the own file to name no task', () => ownCurrentTask(agent.name) === null, { limitMs: 15_000, intervalMs: 100 });
  }, 60_000);

  it('the held tasks follow the announced changes: a change to a task nobody holds reads nothing, a claim reads its tasks by id', async () => {
    const held = new PostgresHeldTasks(pool);
    const told: Array<readonly string[] | null> = [];
    held.subscribe((names) => told.push(names));
    const listener = await listenForTasks(target, (change) => held.changed(change));
    try {
      await held.reload();
      expect(held.reads).toEqual({ full: 1, byId: 0 });
      // 30 tasks added and one cancelled: announced, none held, nothing read.
      const added: number[] = [];
      for (let i = 0; i < 30; i++) added.push((await queue.add({ type: 'shell', title: `t${i}`, prompt: 'p', priority: 5 })).id);
      await queue.cancel(added[29]!, 'not needed');
      // Three claims in one round (one announcement): one read by id.
      const claims = ['w1', 'w2', 'w3'].map((session, i) => ({ taskId: added[i]!, session, reason: 'test' }));
      expect(await queue.claimMany(claims, [], new Date())).toHaveLength(3);
      await pollUntil('the claims seen', () => held.read(['w1', 'w2', 'w3']).get('w3') === added[2], { limitMs: 15_000 });
      expect(Object.fromEntries(held.read(['w1', 'w2', 'w3', 'w4']))).toEqual({ w1: added[0], w2: added[1], w3: added[2], w4: null });
      expect(held.facts(added[1]!)).toMatchObject({ id: added[1], title: 't1', type: 'shell', assignedTo: 'w2' });
      // A completion and a requeue drop their tasks without a read.
      expect(await queue.complete(added[0]!, 'w1', 'done', new Date())).toBe(true);
      expect(await queue.requeue(added[1]!, 'w2', { reason: 'again', error: null, notBefore: null, kind: 'lifecycle', charge: false }, new Date())).toBe(true);
      await pollUntil('the completion and requeue seen', () => held.read(['w1', 'w2']).get('w2') === null && held.read(['w1']).get('w1') === null, { limitMs: 15_000 });
      await held.settled();
      expect(held.reads).toEqual({ full: 1, byId: 1 });
      expect(Object.fromEntries(held.read(['w1', 'w2', 'w3']))).toEqual({ w1: null, w2: null, w3: added[2] });
      // Each change told the sessions it moved, never "any".
      expect(told.slice(1).every((names) => names !== null)).toBe(true);
      expect(new Set(told.slice(1).flatMap((n) => n ?? []))).toEqual(new Set(['w1', 'w2', 'w3']));
      // The facts of a task no longer held stay a while (an event that names it just after).
      expect(held.facts(added[0]!)).toMatchObject({ id: added[0], title: 't0' });
    } finally {
      await listener.stop();
    }
  }, 60_000);

  it('the console\'s own sessions.current_task_id follows the shared queue: one transaction per change that moves its sessions, none for the others', async () => {
    const local = tempStore();
    const held = new PostgresHeldTasks(pool);
    const listener = await listenForTasks(target, (change) => held.changed(change));
    let transactions = 0;
    let failNext = false;
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) };
    const sink = new StoreSessionSink(local.store, silentLogger, 50);
    let stop: () => void = () => undefined;
    try {
      const rows = local.store.sessions;
      for (const [id, name] of [['default:%1', 'k1'], ['default:%2', 'k2'], ['default:%3', 'k3']] as const) rows.upsert({ id, name, server: 'default', provider: 'claude', cwd: null });
      // A value left from before (no such held task): cleared by the first full read.
      local.store.writer.prepare("UPDATE sessions SET current_task_id = 999999 WHERE name = 'k3'").run();
      const own = () => Object.fromEntries((local.store.writer.prepare('SELECT id, current_task_id AS t FROM sessions ORDER BY id').all() as Array<{ id: string; t: number | null }>).map((r) => [r.id, r.t]));
      const [a, b, c2, d, e] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map(async (title) => (await queue.add({ type: 'shell', title, prompt: 'p', priority: 5 })).id)) as [number, number, number, number, number];
      // Held before this console reads the queue.
      expect(await queue.claimMany([{ taskId: a, session: 'k1', reason: 'test' }], [], new Date())).toHaveLength(1);
      await held.reload();
      stop = keepCurrentTasks({
        held,
        store: { sessions: rows, transaction: (fn) => { transactions++; if (failNext) { failNext = false; throw new Error('database is locked'); } return local.store.transaction(fn); } },
        onRows: (l) => sink.onWritten(l),
        log,
        retryMs: 50,
      });
      expect(own()).toEqual({ 'default:%1': a, 'default:%2': null, 'default:%3': null });
      expect(transactions).toBe(1);
      const settle = async (what: string, want: Record<string, number | null>) => {
        await pollUntil(what, async () => {
          await held.settled();
          return JSON.stringify(own()) === JSON.stringify(want);
        }, { limitMs: 15_000, intervalMs: 50 });
      };
      // A claim for k2 and one for a session of another console: k2's row only.
      expect(await queue.claimMany([{ taskId: b, session: 'k2', reason: 'test' }, { taskId: c2, session: 'other', reason: 'test' }], [], new Date())).toHaveLength(2);
      await settle('k2 holding b', { 'default:%1': a, 'default:%2': b, 'default:%3': null });
      expect(transactions).toBe(2);
      // Starts, another console's completion, a change to a task nobody holds: nothing to write, no transaction.
      expect(await queue.start(a, 'k1', 'working', new Date())).toBe(true);
      await queue.cancel(e, 'not needed');
      expect(await queue.complete(c2, 'other', 'done', new Date())).toBe(true);
      // Announced in commit order: the last one seen, the others were.
      await pollUntil('the changes applied', async () => {
        await held.settled();
        return held.read(['other']).get('other') === null;
      }, { limitMs: 15_000 });
      await held.settled();
      expect(transactions).toBe(2);
      // Completed, back in the queue: cleared, as the task core clears it on a single console.
      expect(await queue.complete(a, 'k1', 'done', new Date())).toBe(true);
      await settle('a completed', { 'default:%1': null, 'default:%2': b, 'default:%3': null });
      expect(await queue.requeue(b, 'k2', { reason: 'again', error: null, notBefore: null, kind: 'lifecycle', charge: false }, new Date())).toBe(true);
      await settle('b back in the queue', { 'default:%1': null, 'default:%2': null, 'default:%3': null });
      // k2's pane closes while it holds d; a new pane of k2 is listed later: its new row gets d, the closed one keeps it until d leaves.
      expect(await queue.claimMany([{ taskId: d, session: 'k2', reason: 'test' }], [], new Date())).toHaveLength(1);
      await settle('k2 holding d', { 'default:%1': null, 'default:%2': d, 'default:%3': null });
      rows.markGone('default:%2');
      sink.upsert([pane('default:%4', 'k2')]);
      expect(own()).toEqual({ 'default:%1': null, 'default:%2': d, 'default:%3': null, 'default:%4': d });
      // A write that fails (a busy file): said, and everything written again on the next try.
      failNext = true;
      expect(await queue.complete(d, 'k2', 'done', new Date())).toBe(true);
      await settle('d cleared after the retry', { 'default:%1': null, 'default:%2': null, 'default:%3': null, 'default:%4': null });
      expect(warnings).toEqual(['could not record the tasks sessions hold; trying again']);
    } finally {
      stop();
      sink.stop();
      await listener.stop();
      local.remove();
    }
  }, 60_000);

  it('a session row the busy file put off gets its held task when the retry writes it, and one written while a write of the held tasks waits for its retry gets it then: no later change in the queue needed', async () => {
    const local = tempStore();
    const held = new PostgresHeldTasks(pool);
    const claimsHeard = new Set<number>();
    const listener = await listenForTasks(target, (change) => {
      if (change.status === 'assigned') claimsHeard.add(change.id);
      held.changed(change);
    });
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) };
    // Another connection holding the write lock past the writer's busy timeout (at start-up: a config index built on a big file).
    local.store.writer.pragma('busy_timeout = 20');
    const other = new Database(local.dbPath);
    const lock = () => other.exec('BEGIN IMMEDIATE');
    const unlock = () => other.inTransaction && other.exec('COMMIT');
    const sink = new StoreSessionSink(local.store, silentLogger, 50);
    let stop: () => void = () => undefined;
    try {
      const own = (id: string) => (local.store.reader.prepare('SELECT current_task_id AS t FROM sessions WHERE id = ?').get(id) as { t: number | null } | undefined)?.t;
      const [f, g, h] = await Promise.all(['f', 'g', 'h'].map(async (title) => (await queue.add({ type: 'shell', title, prompt: 'p', priority: 5 })).id)) as [number, number, number];
      expect(await queue.claimMany(['n1', 'n2', 'n3'].map((session, i) => ({ taskId: [f, g, h][i]!, session, reason: 'test' })), [], new Date())).toHaveLength(3);
      // The claims' announcement heard first: arriving after the count below, its read by id was counted as one of this test's.
      await pollUntil('the claims announced', () => [f, g, h].every((id) => claimsHeard.has(id)), { limitMs: 5_000, intervalMs: 10 });
      await held.reload();
      // Told of the rows before keepCurrentTasks is: takes the lock between a row's write and its task's.
      let lockOnWrite = false;
      sink.onWritten(() => {
        if (lockOnWrite) lock();
        lockOnWrite = false;
      });
      stop = keepCurrentTasks({ held, store: local.store, onRows: (l) => sink.onWritten(l), log, retryMs: 50 });
      await held.settled();
      const reads = { ...held.reads };

      // 1. The row's own write meets the lock: no row yet; the sink's retry writes it, and it names f.
      lock();
      sink.upsert([pane('default:%1', 'n1')]);
      expect(own('default:%1')).toBeUndefined();
      unlock();
      await pollUntil('n1\'s row written with its task', () => own('default:%1') === f, { limitMs: 5_000, intervalMs: 20 });

      // 2. The row is written, the write of its task meets the lock (taken by a listener told before this one):
      //    said, and the retry sets it. A row written meanwhile (while that retry waits) gets its task on the same retry.
      lockOnWrite = true;
      sink.upsert([pane('default:%2', 'n2')]);
      expect(own('default:%2')).toBeNull();
      expect(warnings).toEqual(['could not record the tasks sessions hold; trying again']);
      unlock();
      sink.upsert([pane('default:%3', 'n3')]);
      expect(own('default:%3')).toBeNull(); // the retry is pending: it sets every row
      await pollUntil('n2 and n3 holding their tasks', () => own('default:%2') === g && own('default:%3') === h, { limitMs: 5_000, intervalMs: 20 });

      // Nothing changed in the queue meanwhile: no read of it.
      await held.settled();
      expect(held.reads).toEqual(reads);
      expect(own('default:%1')).toBe(f);
    } finally {
      stop();
      sink.stop();
      unlock();
      other.close();
      await listener.stop();
      local.remove();
    }
  }, 60_000);

  it('the rows are left as the file has them until the held tasks were read once (an empty map is not "nobody holds anything")', async () => {
    const local = tempStore();
    const held = new PostgresHeldTasks(pool);
    let transactions = 0;
    let stop: () => void = () => undefined;
    try {
      const t = (await queue.add({ type: 'shell', title: 'held across a restart', prompt: 'p', priority: 5 })).id;
      expect(await queue.claimMany([{ taskId: t, session: 'r1', reason: 'test' }], [], new Date())).toHaveLength(1);
      // The file as the last run left it: r1 on t (still held), r2 on a task since finished elsewhere.
      const rows = local.store.sessions;
      rows.upsert({ id: 'default:%1', name: 'r1', server: 'default', provider: 'claude', cwd: null });
      rows.upsert({ id: 'default:%2', name: 'r2', server: 'default', provider: 'claude', cwd: null });
      rows.setCurrentTask('r1', t);
      rows.setCurrentTask('r2', 999_999);
      const own = () => (local.store.writer.prepare('SELECT current_task_id AS t FROM sessions ORDER BY id').pluck().all() as Array<number | null>);
      const sink = new StoreSessionSink(local.store, silentLogger);
      stop = keepCurrentTasks({
        held,
        store: { sessions: rows, transaction: (fn) => (transactions++, local.store.transaction(fn)) },
        onRows: (l) => sink.onWritten(l),
        log: silentLogger,
      });
      // Not read yet: nothing cleared, nothing written (a row written now waits for the read too).
      sink.upsert([pane('default:%1', 'r1')]);
      expect(own()).toEqual([t, 999_999]);
      expect(transactions).toBe(0);
      await held.reload();
      expect(own()).toEqual([t, null]);
      expect(transactions).toBe(1);
    } finally {
      stop();
      local.remove();
    }
  }, 60_000);

  it('a shared task completed by another console is task_completed with its facts, and starts the workflow triggered by it', async () => {
    await pollUntil('the agent idle', async () => (await c.session(agent.name))?.state === 'idle', { limitMs: LIMIT_MS, intervalMs: 200 });
    const task = await queue.add({ type: 'bug_fix', title: 'Fix the login page', prompt: 'p', priority: 5 });
    expect(await queue.claimMany([{ taskId: task.id, session: agent.name, reason: 'test' }], [], new Date())).toHaveLength(1);
    expect(await queue.complete(task.id, agent.name, 'completed: dev_worker1 returned to idle after working', new Date())).toBe(true);
    const done = await post('task_completed', task.id);
    expect(done.body).toMatchObject({ event: 'task_completed', task_id: task.id, task_title: 'Fix the login page', task_type: 'bug_fix', session: agent.name });
    await pollUntil('on_done to run', async () => (await messages()).includes(`done #${task.id} Fix the login page by ${agent.name}`), { limitMs: LIMIT_MS, intervalMs: 200 });
    expect(await runsOf('on_done')).toContainEqual(expect.objectContaining({ trigger: 'event:task_completed' }));
  }, 60_000);

  it('a shared task that failed is task_failed at once, with its reason, and starts its workflow', async () => {
    const task = await queue.add({ type: 'feature', title: 'Flaky build', prompt: 'p', priority: 5 });
    expect(await queue.claimMany([{ taskId: task.id, session: 'elsewhere', reason: 'test' }], [], new Date())).toHaveLength(1);
    expect(await queue.fail(task.id, 'elsewhere', { reason: 'delivery failed 3 times: the pane is gone', error: 'gone', kind: 'dispatch' }, new Date())).toBe(true);
    const failed = await post('task_failed', task.id);
    expect(failed.body).toMatchObject({ event: 'task_failed', task_id: task.id, task_title: 'Flaky build', task_type: 'feature', reason: 'delivery failed 3 times: the pane is gone' });
    await pollUntil('on_failed to run', async () => (await messages()).includes(`failed #${task.id} Flaky build (feature)`), { limitMs: LIMIT_MS, intervalMs: 200 });
    // Each outcome once, however many changes of the queue came after.
    expect(posts('task_failed', task.id)).toHaveLength(1);
  }, 60_000);

  it("an SLA alert names the shared task's title and type", async () => {
    const task = await queue.add({ type: 'slow', title: 'Slow job', prompt: 'p', priority: 5 });
    const alert = await post('sla_critical', task.id);
    expect(alert.body).toMatchObject({ event: 'sla_critical', task_id: task.id, task_title: 'Slow job', task_type: 'slow' });
  }, 60_000);

  it('an agent whose pane closes while it holds a shared task is agent_exited_mid_task, naming the task', async () => {
    const leaver = c.agent('leaver');
    await pollUntil('the leaver idle', async () => (await c.session(leaver.name))?.state === 'idle', { limitMs: LIMIT_MS, intervalMs: 200 });
    const task = await queue.add({ type: 'bug_fix', title: 'Refactor the parser', prompt: 'p', priority: 5 });
    expect(await queue.claimMany([{ taskId: task.id, session: leaver.name, reason: 'test' }], [], new Date())).toHaveLength(1);
    await pollUntil('the task on its card', async () => (await c.session(leaver.name))?.currentTaskId === task.id, { limitMs: LIMIT_MS, intervalMs: 100 });
    c.tmux.run('kill-pane', '-t', leaver.pane);
    const exited = await post('agent_exited_mid_task', task.id);
    expect(exited.body).toMatchObject({ event: 'agent_exited_mid_task', session: leaver.name, task_id: task.id, task_title: 'Refactor the parser', task_type: 'bug_fix' });
  }, 60_000);

  it('an outcome whose transaction commits after a later one is still read (its history id is asked for again)', async () => {
    let position: number | null = null;
    const outcomes = new PostgresTaskOutcomes(pool, new PostgresHeldTasks(pool), { get: () => position, set: (n) => (position = n) });
    expect(await outcomes.readOutcomes()).toEqual([]); // a first run starts at the end
    // Two types and two statuses each: the two transactions move no common counter row.
    const a = await queue.add({ type: 'hole_a', title: 'slow to commit', prompt: 'p', priority: 5 });
    const b = await queue.add({ type: 'hole_b', title: 'quick to commit', prompt: 'p', priority: 5 });
    expect(await queue.claimMany([{ taskId: a.id, session: 'h1', reason: 'test' }, { taskId: b.id, session: 'h2', reason: 'test' }], [], new Date())).toHaveLength(2);
    expect(await queue.start(a.id, 'h1', 'working', new Date())).toBe(true);
    const slow = await pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query("UPDATE tasks SET status = 'failed', status_reason = 'the slow one failed' WHERE id = $1", [a.id]);
      expect(await queue.complete(b.id, 'h2', 'done', new Date())).toBe(true);
      outcomes.changed({ id: b.id, status: 'completed' });
      expect((await outcomes.readOutcomes()).map((o) => [o.taskId, o.to])).toEqual([[b.id, 'completed']]);
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    outcomes.changed({ id: a.id, status: 'failed' });
    const late = await outcomes.readOutcomes();
    expect(late.map((o) => [o.taskId, o.to, o.reason])).toEqual([[a.id, 'failed', 'the slow one failed']]);
    expect(late[0]!.facts).toMatchObject({ id: a.id, title: 'slow to commit', type: 'hole_a', assignedTo: 'h1' });
    // Nothing announced since: no read.
    const reads = outcomes.reads;
    expect(await outcomes.readOutcomes()).toEqual([]);
    expect(outcomes.reads).toBe(reads);
  }, 60_000);
});
