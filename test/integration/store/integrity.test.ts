import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { seedDatabase } from '../../../src/main/store/seed.js';
import { openStore } from '../../../src/main/store/store.js';
import { pollUntil } from '../../support/poll.js';
import { startCoreOn } from './temp-core.js';

// A damaged database is found when the console opens it (in the background), and
// shown where the operator looks: the Errors page and the log.

let core: Core | null = null;
let dir: string | null = null;
afterEach(async () => {
  await core?.stop();
  core = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('integrity check on open', () => {
  it('a damaged page is reported as an error naming the file', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-damaged-'));
    const db = path.join(dir, 'architect.db');
    const store = openStore({ path: db, logger: silentLogger });
    seedDatabase(store, { tasks: 3000, sessions: 5, seed: 3 });
    store.close();
    // Garbage in the middle of a b-tree page: the file still opens, a full read does not add up.
    const buf = fs.readFileSync(db);
    const pageSize = buf.readUInt16BE(16);
    const page = Math.floor((buf.length / pageSize) * 0.6);
    const fd = fs.openSync(db, 'r+');
    fs.writeSync(fd, Buffer.alloc(200, 0xff), 0, 200, page * pageSize + 100);
    fs.closeSync(fd);

    core = await startCoreOn(db, dir);
    const errors = await pollUntil('the damage reported', async () => {
      const { errors: list } = await core!.handlers['errors.list']({ includeResolved: false });
      return list.find((e) => e.source === 'database');
    }, { limitMs: 30_000 });
    expect(errors.message).toContain(db);
    expect(errors.message).toMatch(/damaged/);
  });
});
