// Per-task environments on a shared queue (issue 17): a requires_env type dispatched by
// the shared-queue assigner gets its git worktree and port as on a single console —
// named at the top of the prompt and in the task's metadata in PostgreSQL, on the
// decision trail, and released when the task ends; a console restarted mid-task finds
// the held environments in PostgreSQL and releases them. The same steps as
// test/unit/assigner/environment.test.ts (SQLite).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { SharedAssigner } from '../../../src/main/assigner/shared.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { openPool } from '../../../src/main/store/postgres/pool.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { session } from '../../unit/assigner/fixture.js';

const missing = postgresMissing();

function gitRepo(dir: string): string {
  fs.mkdirSync(dir);
  const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  run('init', '-q');
  fs.writeFileSync(path.join(dir, 'README'), 'hello\n');
  run('add', 'README');
  run('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
  return dir;
}

async function someFreePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe.skipIf(missing)(`task environments on a shared queue${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let pool: pg.Pool;
  let dir: string;
  beforeAll(async () => {
    cluster = await TestPostgres.start({ fast: true });
    const url = await cluster.createDatabase();
    pool = await openPool(parsePostgresUrl(url, 'test'), { max: 4 });
    await migratePostgres(pool, url, migrations);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-pg-env-'));
  }, 180_000);
  afterAll(async () => {
    await pool?.end();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a git project gets a worktree and a port, named in the prompt and the metadata, released when the task ends — also after a restart', async () => {
    const store = new PostgresTaskStore(pool);
    const port = await someFreePort();
    const repo = gitRepo(path.join(dir, 'repo'));
    const rules = RoutingFile.parse({
      version: '1',
      environment_routing: { ui: { requires_env: true, auto_create_env: true, port_range: [port, port + 5], preferred_sessions: ['w1'] } },
      supported_providers: ['claude'],
    });
    let sessions: Session[] = [session('w1')];
    const prompts: string[] = [];
    const options = {
      store,
      holder: 'console A',
      getSnapshot: () => ({ routing: rules }),
      getSessions: () => sessions,
      deliver: async (_s: Session, prompt: string) => {
        prompts.push(prompt);
        return { outcome: 'taken' as const, reason: 'the agent is working' };
      },
    };
    const projectId = await store.projectId(repo, () => true);
    const task = await store.add({ type: 'ui', title: 'button', prompt: 'make the button blue', priority: 5, projectId });
    const worktree = path.join(`${repo}.worktrees`, `task-${task.id}`);

    const first = new SharedAssigner(options);
    const stopFirst = first.start();
    try {
      await pollUntil('the prompt typed', async () => prompts.length === 1 && (await store.get(task.id))?.status === 'in_progress', { limitMs: 30_000 });
      await first.settled();
    } finally {
      await stopFirst();
    }
    expect(fs.existsSync(path.join(worktree, 'README'))).toBe(true);
    expect((await store.metadata(task.id)).env).toMatchObject({ port, worktree, branch: `architect/task-${task.id}` });
    expect(prompts[0]).toContain(`work in the git worktree ${worktree}`);
    expect(prompts[0]).toContain(`use port ${port}`);
    expect(prompts[0]).toMatch(/make the button blue$/);

    // A console started while the task is held finds its environment in PostgreSQL, and frees it when the task ends.
    const second = new SharedAssigner({ ...options, holder: 'console B' });
    const stopSecond = second.start();
    try {
      sessions = [{ ...sessions[0]!, state: 'working' }];
      second.onSessions(sessions, [{ name: 'w1', from: 'idle', to: 'working', reason: null }]);
      sessions = [{ ...sessions[0]!, state: 'idle' }];
      second.onSessions(sessions, [{ name: 'w1', from: 'working', to: 'idle', reason: null }]);
      await pollUntil('the task completed', async () => (await store.get(task.id))?.status === 'completed', { limitMs: 30_000 });
      await second.settled();
    } finally {
      await stopSecond();
    }
    expect(fs.existsSync(worktree)).toBe(false);
    const trail = (await store.decisionsFor(task.id)).map((d) => d.reason).join('\n');
    expect(trail).toContain(`environment: worktree ${worktree}, port ${port}`);
    expect(trail).toContain('environment released: worktree');
  }, 120_000);
});
