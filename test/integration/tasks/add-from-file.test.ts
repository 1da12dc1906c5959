// `architect tasks add --from FILE`: many tasks from one file of JSON lines, on both
// engines (SQLite always; PostgreSQL when its binaries are here). The config's
// defaults apply as to a single add; a bad line is named FILE:LINE and nothing is
// added; a line the store refuses (a dependency that does not exist) rolls the whole
// file back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/shared/api.js';
import { main } from '../../../src/main/cli/index.js';
import { capturedIo } from '../../support/captured-io.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { tempConfig, type TempConfig } from '../../unit/config/temp-config.js';

const missing = postgresMissing();
let cluster: TestPostgres | null = null;
let config: TempConfig;
let dir: string;

beforeAll(async () => {
  config = tempConfig();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-add-from-'));
  fs.writeFileSync(path.join(config.dir, 'local/overrides.yaml'), 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 7\n');
  if (!missing) cluster = await TestPostgres.start();
}, 180_000);
afterAll(async () => {
  config?.remove();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  await cluster?.stop();
});

const engines: Array<[string, () => Promise<string>, boolean]> = [
  ['SQLite', async () => path.join(fs.mkdtempSync(path.join(dir, 'db-')), 'architect.db'), false],
  [`PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, async () => cluster!.createDatabase(), Boolean(missing)],
];

function file(name: string, lines: unknown[]): string {
  const where = path.join(dir, name);
  fs.writeFileSync(where, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return where;
}

describe.each(engines)('tasks add --from on %s', (_name, database, skip) => {
  const cli = async (db: string, args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = capturedIo();
    const code = await main(['--db', db, '--config', config.dir, ...args], io, new Promise(() => {}));
    return { code, out: io.out(), err: io.err() };
  };
  const titles = async (db: string): Promise<string[]> => (JSON.parse((await cli(db, ['tasks', 'list', '--json'])).out) as { tasks: Task[] }).tasks.map((t) => t.title).sort();

  it.skipIf(skip)('adds every line as a task, with its type’s defaults, in one go', async () => {
    const db = await database();
    const first = JSON.parse((await cli(db, ['tasks', 'add', '--type', 'docs', '--title', 'first', '--prompt', 'p', '--json'])).out) as Task;
    const tasks = file('three.jsonl', [
      { type: 'bug_fix', title: 'a', prompt: 'fix a' },
      '',
      { type: 'docs', title: 'b', prompt: 'write b', priority: 2 },
      { type: 'bug_fix', title: 'c', prompt: 'fix c', dependsOn: [first.id], project: dir },
    ]);
    const added = await cli(db, ['tasks', 'add', '--from', tasks, '--json']);
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    const got = JSON.parse(added.out) as Task[];
    expect(got.map((t) => [t.title, t.priority, t.status])).toEqual([['a', 7, 'pending'], ['b', 2, 'pending'], ['c', 7, 'blocked']]);
    expect(got[2]!.projectId).not.toBeNull();
    const text = await cli(db, ['tasks', 'add', '--from', file('one.jsonl', [{ type: 'docs', title: 'd', prompt: 'p' }])]);
    expect(text.out).toMatch(/^added task \d+ pending: d \(docs, priority 5\)\n1 task added\n$/);
    expect(await titles(db)).toEqual(['a', 'b', 'c', 'd', 'first']);
  });

  it.skipIf(skip)('a bad line is named FILE:LINE and nothing is added; a refused one rolls the file back', async () => {
    const db = await database();
    const bad = file('bad.jsonl', [{ type: 'bug_fix', title: 'ok', prompt: 'p' }, { type: 'bug_fix', prompt: 'no title' }, 'not json', { type: 'x', title: 't', prompt: 'p', urgent: true }]);
    const refused = await cli(db, ['tasks', 'add', '--from', bad]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${bad}:2: title:`);
    expect(refused.err).toContain(`${bad}:3: not a JSON object`);
    expect(refused.err).toContain(`${bad}:4: the line: Unrecognized key: "urgent"`);
    expect(refused.err).toContain('nothing was added');
    const missingDep = file('dep.jsonl', [{ type: 'bug_fix', title: 'first of two', prompt: 'p' }, { type: 'bug_fix', title: 'waits', prompt: 'p', dependsOn: [999] }]);
    const rolledBack = await cli(db, ['tasks', 'add', '--from', missingDep]);
    expect(rolledBack.code).toBe(2);
    expect(rolledBack.err).toContain(`${missingDep}:2: depends_on: task 999 does not exist; nothing was added`);
    expect(await titles(db)).toEqual([]);
    const both = await cli(db, ['tasks', 'add', '--from', missingDep, '--title', 'x']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--from takes every task from its file; give "title" on its lines instead of --title');
  });
});
