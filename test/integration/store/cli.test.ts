import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { UsageError, type CliCommand, type CliContext } from '../../../src/main/cli/command.js';
import { dbCommand } from '../../../src/main/cli/commands/db.js';
import { queryCommand } from '../../../src/main/cli/commands/query.js';
import { tasksCommand } from '../../../src/main/cli/commands/tasks.js';
import { capturedIo } from '../../support/captured-io.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-cli-'));
  // The shipped config with the seed's queries layered over it (the CLI reads the whole layered config).
  fs.cpSync(path.join(here, '../../../config/base'), path.join(dir, 'config/base'), { recursive: true });
  const seed = parse(fs.readFileSync(path.join(here, 'fixtures/seed-queries.yaml'), 'utf8')) as { queries: unknown };
  fs.mkdirSync(path.join(dir, 'config/local'));
  fs.writeFileSync(path.join(dir, 'config/local/overrides.yaml'), stringify({ queries: { queries: seed.queries } }));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(command: CliCommand, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { stdout, stderr, out, err } = capturedIo();
  const ctx: CliContext = {
    globals: { configDir: path.join(dir, 'config'), dbPath: path.join(dir, 'data/architect.db'), dataDir: path.join(dir, 'data'), env: null, tmuxSockets: [], watchDefaultTmux: false, logLevel: 'warn', json: false },
    stdout,
    stderr,
    interrupted: new Promise(() => {}),
  };
  const code = await command.run(args, ctx);
  return { code, out: out(), err: err() };
}

describe('architect tasks', () => {
  it('adds, lists and cancels', async () => {
    const added = await run(tasksCommand, ['add', '--type', 'bug_fix', '--title', 'Fix login', '--prompt', 'fix the login', '--priority', '8', '--project', dir, '--json']);
    expect(added.code).toBe(0);
    const task = JSON.parse(added.out) as { id: number; priority: number; projectId: number };
    expect(task).toMatchObject({ priority: 8, status: 'pending' });
    expect(task.projectId).toBeGreaterThan(0);
    await run(tasksCommand, ['add', '--type', 'shell', '--title', 'ls', '--prompt', 'ls', '--project', path.basename(dir)]);

    const table = await run(tasksCommand, ['list', '--status', 'pending']);
    expect(table.out.split('\n')[0]).toMatch(/^id\s+status\s+priority\s+type\s+title/);
    expect(table.out).toContain('Fix login');
    expect(table.out).toContain('2 of 2 tasks');

    expect((await run(tasksCommand, ['cancel', String(task.id)])).out).toMatch(/cancelled task \d+ cancelled: Fix login/);
    const again = await run(tasksCommand, ['cancel', String(task.id)]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already cancelled');
    const json = JSON.parse((await run(tasksCommand, ['list', '--json'])).out) as { total: number; counts: Record<string, number> };
    expect(json).toMatchObject({ total: 2, counts: { pending: 1, cancelled: 1 } });
  });

  it.each([
    [['add', '--type', 'x', '--title', 't'], /needs --prompt/],
    [['add', '--type', 'x', '--title', 't', '--prompt', 'p', '--priority', 'high'], /--priority expects an integer/],
    [['add', '--type', 'x', '--title', 't', '--prompt', 'p', '--priority', '12'], /priority must be an integer from 0 to 10/],
    [['add', '--type', 'x', '--title', 't', '--prompt', 'p', '--project', 'nowhere'], /no project "nowhere"/],
    [['list', '--status', 'done'], /--status must be one of/],
    [['list', '--colour'], /Unknown option '--colour'/],
    [['cancel'], /needs one task ID/],
    [['frobnicate'], /unknown tasks subcommand/],
  ])('%j is a usage error', async (args, message) => {
    await expect(run(tasksCommand, args)).rejects.toThrow(UsageError);
    await expect(run(tasksCommand, args)).rejects.toThrow(message);
  });
});

describe('architect query and db seed', () => {
  it('seeds reproducibly and runs the seed queries as a table, as JSON and by --list', async () => {
    const seeded = await run(dbCommand, ['seed', '--tasks', '500', '--sessions', '6', '--seed', '3']);
    expect(seeded.out).toMatch(/seeded 500 tasks and 6 sessions/);
    const first = JSON.parse((await run(queryCommand, ['tasks_by_status', '--param', 'status=pending', '--param', 'limit=5', '--json'])).out) as { count: number; results: unknown[] };
    expect(first.count).toBe(5);

    const table = await run(queryCommand, ['stats_dashboard']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/pending_tasks\s+active_tasks\s+completed_today/);
    expect(table.out).toMatch(/1 row/);

    const list = await run(queryCommand, ['--list']);
    expect(list.out).toMatch(/tasks_by_status\s+status:string! limit:integer=100/);

    // Same seed, another file: the same rows.
    fs.rmSync(path.join(dir, 'data'), { recursive: true });
    await run(dbCommand, ['seed', '--tasks', '500', '--sessions', '6', '--seed', '3']);
    const second = JSON.parse((await run(queryCommand, ['tasks_by_status', '-p', 'status=pending', '-p', 'limit=5', '--json'])).out) as { results: { id: number; priority: number; type: string }[] };
    const strip = (rows: unknown[]) => (rows as { id: number; priority: number; type: string }[]).map(({ id, priority, type }) => ({ id, priority, type }));
    expect(strip(second.results)).toEqual(strip(first.results));
  });

  it.each([
    [['tasks_by_status'], /param "status" is required/],
    [['tasks_by_status', '--param', 'status=pending', '--param', 'limit=abc'], /param "limit": expected integer, got "abc"/],
    [['tasks_by_status', '--param', 'nokey'], /--param expects key=value/],
    [['no_such_query'], /no query named "no_such_query"/],
    [[], /give one query NAME/],
  ])('query %j is a usage error', async (args, message) => {
    await expect(run(queryCommand, args)).rejects.toThrow(message);
  });

  it('db seed refuses bad counts', async () => {
    await expect(run(dbCommand, ['seed', '--tasks', 'many', '--sessions', '1'])).rejects.toThrow(/--tasks expects an integer/);
    await expect(run(dbCommand, ['seed', '--tasks', '1'])).rejects.toThrow(/--sessions expects an integer/);
  });
});
