// A console on a shared PostgreSQL queue knows the shared tasks its agents hold and
// finish, though its own tasks table is empty: a session card shows the task the agent
// holds there (claimed by another console), kept from the queue's announced changes
// (LISTEN/NOTIFY) without a read of the queue per change. A real core (startCore) on a
// throw-away cluster, scripted agents in a private tmux server.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { PostgresHeldTasks } from '../../../src/main/store/postgres/held-tasks.js';
import { listenForTasks } from '../../../src/main/store/postgres/queue.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl, type PostgresTarget } from '../../../src/main/store/postgres/url.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { AttentionConsole, type Agent } from '../attention/harness.js';

const missing = postgresMissing();

describe.skipIf(missing)(`a shared console's facts about the shared tasks${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let pool: pg.Pool;
  let target: PostgresTarget;
  let queue: PostgresTaskStore;
  let c: AttentionConsole;
  let agent: Agent;

  beforeAll(async () => {
    cluster = await TestPostgres.start({ fast: true });
    const url = await cluster.createDatabase();
    target = parsePostgresUrl(url, 'test');
    pool = new pg.Pool({ connectionString: url, max: 3 });
    await migratePostgres(pool, url, migrations);
    queue = new PostgresTaskStore(pool);
    c = new AttentionConsole('version: "1.0"\n');
    agent = c.agent('dev_worker1');
    await c.start(target);
  }, 180_000);

  afterAll(async () => {
    await c?.stop();
    await pool?.end();
    await cluster?.stop();
  }, 60_000);

  it('a session card shows the shared task its agent holds, and none once it is finished', async () => {
    await pollUntil('the agent listed', async () => (await c.session(agent.name)) !== undefined, { limitMs: 30_000, intervalMs: 200 });
    // Another console claims a task for this console's agent.
    const task = await queue.add({ type: 'bug_fix', title: 'held by dev_worker1', prompt: 'p', priority: 5 });
    expect(await queue.claimMany([{ taskId: task.id, session: agent.name, reason: 'test' }], [], new Date())).toHaveLength(1);
    await pollUntil('the card to show the shared task', async () => (await c.session(agent.name))?.currentTaskId === task.id, { limitMs: 15_000, intervalMs: 100 });
    expect(await queue.complete(task.id, agent.name, 'done', new Date())).toBe(true);
    await pollUntil('the card to show no task', async () => (await c.session(agent.name))?.currentTaskId === null, { limitMs: 15_000, intervalMs: 100 });
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
});
