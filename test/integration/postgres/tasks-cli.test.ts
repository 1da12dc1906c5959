import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/shared/api.js';
import { main } from '../../../src/main/cli/index.js';
import { capturedIo } from '../../support/captured-io.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { tempConfig, type TempConfig } from '../../unit/config/temp-config.js';

// `architect tasks … --db postgres://…`: the CLI on a shared queue. The same defaults
// from the layered config as on SQLite, dependencies, projects, history and the same
// refusals; what does not run there yet says so and changes nothing.
const missing = postgresMissing();

describe.skipIf(missing)(`architect tasks on PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let config: TempConfig;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    cluster = await TestPostgres.start();
    url = await cluster.createDatabase();
    config = tempConfig();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-pg-cli-'));
    fs.writeFileSync(path.join(config.dir, 'local/overrides.yaml'), 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 7\n');
  }, 180_000);
  afterAll(async () => {
    config?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  });

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = capturedIo();
    const code = await main(['--db', url, '--config', config.dir, ...args], io, new Promise(() => {}));
    return { code, out: io.out(), err: io.err() };
  }

  it('adds with the config’s defaults, lists, shows the history, cancels and retries', async () => {
    const added = await cli(['tasks', 'add', '--type', 'bug_fix', '--title', 'Login 500s', '--prompt', 'fix it', '--project', dir, '--json']);
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    const task = JSON.parse(added.out) as Task;
    expect(task).toMatchObject({ type: 'bug_fix', title: 'Login 500s', priority: 7, status: 'pending' });
    expect(task.projectId).not.toBeNull();
    const waits = await cli(['tasks', 'add', '--type', 'docs', '--title', 'Release notes', '--prompt', 'write', '--depends-on', String(task.id)]);
    expect(waits.out).toMatch(/^added task \d+ blocked: Release notes \(docs, priority 5\)/);

    const listed = await cli(['tasks', 'list', '--json']);
    const body = JSON.parse(listed.out) as { tasks: Task[]; total: number; counts: Record<string, number> };
    expect(body.tasks.map((t) => t.title)).toEqual(['Login 500s', 'Release notes']);
    expect(body.counts).toMatchObject({ pending: 1, blocked: 1 });

    expect((await cli(['tasks', 'cancel', String(task.id), '--reason', 'not needed'])).out).toBe(`cancelled task ${task.id} cancelled: Login 500s (bug_fix, priority 7)\n`);
    const again = await cli(['tasks', 'cancel', String(task.id)]);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`task ${task.id} is already cancelled`);
    expect((await cli(['tasks', 'retry', String(task.id)])).out).toMatch(/^retried task \d+ pending/);
    const shown = await cli(['tasks', 'show', String(task.id)]);
    expect(shown.out.split('\n').slice(1, 4).map((l) => l.replace(/^\s+\S+ /, ''))).toEqual([
      '- → pending: created',
      'pending → cancelled: not needed',
      'cancelled → pending: retried by operator',
    ]);
  });

  it('holds and releases, with the same words as on SQLite (a release waits on what the task still waits on)', async () => {
    const first = JSON.parse((await cli(['tasks', 'add', '--type', 'bug_fix', '--title', 'first', '--prompt', 'p', '--json'])).out) as Task;
    const then = JSON.parse((await cli(['tasks', 'add', '--type', 'bug_fix', '--title', 'then', '--prompt', 'p', '--depends-on', String(first.id), '--json'])).out) as Task;
    const held = await cli(['tasks', 'hold', String(first.id), '--reason', 'design review']);
    expect(held.err).toBe('');
    expect(held.out).toBe(`held task ${first.id} blocked: first (bug_fix, priority 7)\n  held by the operator: design review\n`);
    expect((await cli(['tasks', 'hold', String(then.id)])).out).toContain('held by the operator: held from the command line');
    const released = await cli(['tasks', 'release', String(then.id)]);
    expect(released.out).toBe(`released task ${then.id} blocked: then (bug_fix, priority 7)\n  blocked: waiting on task ${first.id} to complete (depends_on)\n`);
    expect((await cli(['tasks', 'release', String(first.id)])).out).toBe(`released task ${first.id} pending: first (bug_fix, priority 7)\n`);
    const again = await cli(['tasks', 'release', String(first.id)]);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`task ${first.id} is not held (it is pending: unblocked: released by the operator); only a held task can be released\n`);
    const shown = await cli(['tasks', 'show', String(first.id)]);
    expect(shown.out.split('\n').slice(1, 4).map((l) => l.replace(/^\s+\S+ /, ''))).toEqual([
      '- → pending: created',
      'pending → blocked: held by the operator: design review',
      'blocked → pending: unblocked: released by the operator',
    ]);
    for (const id of [first.id, then.id]) await cli(['tasks', 'cancel', String(id)]);
  });

  it('refuses what is wrong, naming it, and writes nothing', async () => {
    const before = JSON.parse((await cli(['tasks', 'list', '--json'])).out) as { total: number };
    const cases: [string[], number, RegExp][] = [
      [['tasks', 'add', '--type', 'x', '--title', 't', '--prompt', 'p', '--depends-on', '99999'], 2, /depends_on: task 99999 does not exist/],
      [['tasks', 'add', '--type', 'x', '--title', 't', '--prompt', 'p', '--project', 'nowhere-at-all'], 2, /no project "nowhere-at-all" and no such folder/],
      [['tasks', 'add', '--type', 'x', '--title', 't', '--prompt', 'p', '--priority', '11'], 2, /priority must be an integer from 0 to 10, got 11/],
      [['tasks', 'show', '99999'], 1, /task 99999 does not exist/],
      [['tasks', 'release', '1'], 1, /task 1 is not held \(it is \w+/],
      [['demo'], 2, /does not run on PostgreSQL yet \(what does: .*architect tasks add/],
    ];
    for (const [args, code, message] of cases) {
      const res = await cli(args);
      expect(res.err, args.join(' ')).toMatch(message);
      expect(res.code, args.join(' ')).toBe(code);
    }
    expect((JSON.parse((await cli(['tasks', 'list', '--json'])).out) as { total: number }).total).toBe(before.total);
  });

  it('refuses a config with problems at its file:line:col and adds nothing (the CLI’s one policy)', async () => {
    const before = JSON.parse((await cli(['tasks', 'list', '--json'])).out) as { total: number };
    const broken = tempConfig();
    try {
      fs.writeFileSync(path.join(broken.dir, 'local/overrides.yaml'), 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 99\n');
      for (const extra of [[], ['--priority', '3']]) {
        const io = capturedIo();
        const code = await main(['--db', url, '--config', broken.dir, 'tasks', 'add', '--type', 'bug_fix', '--title', 't', '--prompt', 'p', ...extra], io, new Promise(() => {}));
        expect(code).toBe(1);
        expect(io.err()).toMatch(/overrides\.yaml:4:17: environment_routing\.bug_fix\.priority/);
        expect(io.out()).toBe('');
      }
    } finally {
      broken.remove();
    }
    expect((JSON.parse((await cli(['tasks', 'list', '--json'])).out) as { total: number }).total).toBe(before.total);
  });
});
