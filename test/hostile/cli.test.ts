import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/index.js';
import { capturedIo } from '../support/captured-io.js';

// The CLI's arguments as a hostile or careless caller gives them: a usage error (2)
// or a problem (1) that says what and where, and nothing created or changed.

let dir: string;
const saved = { ...process.env };
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-cli-'));
  process.env.ARCHITECT_DATA_DIR = path.join(dir, 'data');
  process.env.ARCHITECT_DEFAULT_TMUX = '0';
  delete process.env.ARCHITECT_DB;
});
afterAll(() => {
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capturedIo();
  const code = await main(argv, io, Promise.resolve());
  return { code, out: io.out(), err: io.err() };
}

describe('hostile CLI arguments', () => {
  it('a --db in a folder that does not exist is a usage error; no folder is made', async () => {
    const db = path.join(dir, 'no', 'such', 'folder', 'x.db');
    const r = await run('tasks', 'list', '--db', db);
    expect(r.code).toBe(2);
    expect(r.err).toContain(path.join(dir, 'no', 'such', 'folder'));
    expect(fs.existsSync(path.join(dir, 'no'))).toBe(false);
  });

  it('bad arguments are refused before the database is touched', async () => {
    const db = path.join(dir, 'untouched.db');
    expect((await run('tasks', 'list', '--bogus', '--db', db)).code).toBe(2);
    expect((await run('tasks', 'add', '--type', 'x', '--db', db)).code).toBe(2);
    expect((await run('tasks', 'cancel', 'abc', '--db', db)).code).toBe(2);
    expect(fs.existsSync(db)).toBe(false);
  });

  it('serve with a config folder that does not exist refuses to start and creates no database', async () => {
    const db = path.join(dir, 'serve.db');
    const r = await run('serve', '--port', '0', '--config', path.join(dir, 'missing-config'), '--db', db);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(path.join(dir, 'missing-config'));
    expect(fs.existsSync(db)).toBe(false);
  });

  it.each([
    [['serve', '--port', 'abc'], /--port must be a number/],
    [['serve', '--port', '99999'], /--port must be a number/],
    [['serve', '--port', '1e3'], /--port must be a number/],
    [['serve', '--token', 'x'.repeat(40)], /--token is not accepted/],
    [['--tmux-socket', '; rm -rf /', 'sessions'], /a tmux -L name is/],
    [['--log-level', 'loud', 'sessions'], /--log-level must be one of/],
    [['query', 'x', '--param', '=1'], /--param expects key=value/],
    [['query', 'x', '--param', 'a=1', '--param', 'a=2'], /given twice/],
  ])('%j is a usage error', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a megabyte-long command name is refused with a short message', async () => {
    const r = await run('x'.repeat(1_000_000));
    expect(r.code).toBe(2);
    expect(r.err.length).toBeLessThan(500);
  });

  it('a file that is not a database: the error names the file and nothing is written to it', async () => {
    const db = path.join(dir, 'garbage.db');
    fs.writeFileSync(db, Buffer.alloc(8192, 0x41));
    const r = await run('tasks', 'list', '--db', db);
    expect(r.code).toBe(1);
    expect(r.err).toContain(db);
    expect(r.err).toMatch(/not a database/);
    expect(fs.readFileSync(db)).toEqual(Buffer.alloc(8192, 0x41));
  });
});
