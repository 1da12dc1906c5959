import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../../src/main/core.js';
import { startCoreOn } from './temp-core.js';
import { startServe, type ServeProcess } from '../../hostile/serve-process.js';

// One console per SQLite file: a second one refuses to start, saying which file and
// which process holds it; a console killed with -9 holds nothing.

const cores: Core[] = [];
let serve: ServeProcess | null = null;
let dir: string | null = null;
afterEach(async () => {
  for (const c of cores.splice(0)) await c.stop();
  await serve?.stop();
  serve = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const start = startCoreOn;

describe('one console per SQLite file', () => {
  it('a second console on the same file refuses, naming the file and the first one\'s pid', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-lock-'));
    const db = path.join(dir, 'architect.db');
    cores.push(await start(db, dir));
    await expect(start(db, path.join(dir, 'other'))).rejects.toThrow(new RegExp(`${db.replace(/[.]/g, '\\.')} is in use by another console \\(pid ${process.pid}`));
    await cores.pop()!.stop();
    cores.push(await start(db, dir)); // free again once the first one stopped
  });

  it('a console killed with -9 leaves the file free', async () => {
    serve = await startServe();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-lock-'));
    await expect(start(serve.dbPath, dir)).rejects.toThrow(`pid ${serve.child.pid}`);
    serve.child.kill('SIGKILL');
    await new Promise((r) => serve!.child.once('exit', r));
    cores.push(await start(serve.dbPath, dir));
  }, 90_000);
});
