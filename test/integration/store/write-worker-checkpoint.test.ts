import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriteWorker } from '../../../src/main/store/write-worker.js';
import type { GuardedStep } from '../../../src/main/store/task-queue.js';
import { tempStore } from './temp-store.js';

// The write worker checkpoints the WAL it writes, after its own commits (issue 20).
// When it left that to the console's connection, a start-up recovery wrote the WAL
// faster than the background checkpointer copied it back, the WAL passed the console
// writer's safety threshold, and every commit of the console's then copied and synced
// the worker's pages on the main thread. Here the console commits nothing during the
// batch: if the database file grows, the worker's own connection checkpointed.

const PAGE_FILLER: GuardedStep = { sql: 'INSERT INTO filler(blob) VALUES (randomblob(3000))', params: {}, then: [] };
/** ~8,000 pages of rows: several times the worker's checkpoint size. */
const ROWS = 8_000;

describe('the write worker\'s checkpoints', () => {
  let t: ReturnType<typeof tempStore>;
  let worker: WriteWorker;
  beforeEach(() => {
    t = tempStore();
    t.store.writer.exec('CREATE TABLE filler(id INTEGER PRIMARY KEY, blob BLOB)');
    t.store.writer.pragma('wal_checkpoint(TRUNCATE)');
    worker = new WriteWorker({ dbPath: t.dbPath, gate: t.store.writeGate });
  });
  afterEach(() => {
    worker.stop();
    t.remove();
  });

  it('copies the pages it wrote back into the database file itself', async () => {
    const before = fs.statSync(t.dbPath).size;
    const result = await worker.steps(Array.from({ length: ROWS }, () => PAGE_FILLER));
    expect(result.changed).toHaveLength(ROWS);
    const grown = fs.statSync(t.dbPath).size - before;
    // Most of the ~24 MB written reached the database file without a checkpoint of the console's.
    expect(grown).toBeGreaterThan((ROWS * 3000) / 2);
  });
});
