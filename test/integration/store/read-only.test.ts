import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore } from '../../../src/main/store/store.js';

// A database this user may only read (someone else's, a snapshot, a read-only
// mount) can still be read by the commands that only read; nothing is written to it.

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const asRoot = process.getuid?.() === 0;
const runuser = ['/usr/sbin/runuser', '/sbin/runuser'].find((p) => fs.existsSync(p));

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-ro-'));
  fs.chmodSync(dir, 0o755);
});
afterAll(() => {
  for (const d of [dir, path.join(dir, 'open')]) if (fs.existsSync(d)) fs.chmodSync(d, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The CLI as a user who may read the database but not write it. */
function cliAsReader(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, HOME: os.tmpdir(), ARCHITECT_FROM_SOURCE: '1', ARCHITECT_DATA_DIR: path.join(os.tmpdir(), `architect-ro-data-${process.pid}`) };
  const argv = [process.execPath, path.join(ROOT, 'bin', 'architect.js'), ...args];
  const r = asRoot
    ? spawnSync(runuser as string, ['-u', 'nobody', '--', 'env', ...Object.entries(env).filter(([k]) => /^(HOME|PATH|ARCHITECT_)/.test(k)).map(([k, v]) => `${k}=${v}`), ...argv], { encoding: 'utf8', timeout: 60_000 })
    : spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function makeDatabase(folder: string): string {
  fs.mkdirSync(folder, { recursive: true });
  const db = path.join(folder, 'queue.db');
  const store = openStore({ path: db, logger: silentLogger });
  store.tasks.add({ type: 'bug_fix', title: 'Read me', prompt: 'p' });
  store.close();
  fs.chmodSync(db, asRoot ? 0o644 : 0o444);
  return db;
}

describe.skipIf(asRoot && !runuser)('a database this user may only read', () => {
  it('in a read-only folder: tasks list and db info still read it, and nothing is written', { timeout: 120_000 }, () => {
    const db = makeDatabase(path.join(dir, 'closed'));
    if (!asRoot) fs.chmodSync(path.dirname(db), 0o555);
    const before = fs.readFileSync(db);
    const list = cliAsReader(['tasks', 'list', '--db', db]);
    expect(list.stderr).toMatch(/read-only for this user: reading a copy/);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('Read me');
    const info = cliAsReader(['db', 'info', '--db', db]);
    expect(info.status).toBe(0);
    expect(fs.readFileSync(db)).toEqual(before);
    expect(fs.readdirSync(path.dirname(db))).toEqual(['queue.db']);
  });

  it('a read-only file in a folder it may write: read in place', { timeout: 120_000 }, () => {
    const db = makeDatabase(path.join(dir, 'open'));
    fs.chmodSync(path.dirname(db), 0o777);
    const list = cliAsReader(['tasks', 'list', '--db', db]);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('Read me');
  });

  it('a command that writes says which file it cannot write', { timeout: 120_000 }, () => {
    const db = path.join(dir, 'closed', 'queue.db');
    const add = cliAsReader(['tasks', 'add', '--type', 'x', '--title', 't', '--prompt', 'p', '--db', db]);
    expect(add.status).toBe(1);
    expect(add.stderr).toContain(db);
  });
});
