import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriteWorker } from '../../../src/main/store/write-worker.js';
import type { GuardedStep } from '../../../src/main/store/task-queue.js';
import { tempStore } from './temp-store.js';

// The console's writes go first (issue 20): while the write worker runs a long batch
// (start-up recovery), a console write does not wait for the worker's transaction to
// end. The worker sees the store's write gate raised, commits what it did so far, and
// begins nothing until the console's write is done; the console's row lands in the
// middle of the worker's batch. Without the gate it lands after the whole batch (one
// transaction here: the batch is given a transaction budget of a minute).

/** A step that does a few ms of work and records who wrote it, in order. */
const SLOW_STEP: GuardedStep = {
  sql: `INSERT INTO gate_log(who, n) SELECT 'worker', count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) SELECT x FROM c)`,
  params: {},
  then: [],
};
const STEPS = 400;

describe('the write gate', () => {
  let t: ReturnType<typeof tempStore>;
  let worker: WriteWorker;
  beforeEach(() => {
    t = tempStore();
    t.store.writer.exec('CREATE TABLE gate_log(id INTEGER PRIMARY KEY, who TEXT NOT NULL, n INTEGER)');
    worker = new WriteWorker({ dbPath: t.dbPath, gate: t.store.writeGate, maxTransactionMs: 60_000 });
  });
  afterEach(() => {
    worker.stop();
    t.remove();
  });

  const order = (): string[] => (t.store.reader.prepare('SELECT who FROM gate_log ORDER BY id').pluck().all() as string[]);

  async function workerBegun(): Promise<void> {
    while (t.store.writeGate!.workerTransactions === 0) await new Promise((r) => setTimeout(r, 2));
  }

  it('a console transaction goes in while the worker is in the middle of a batch', async () => {
    const batch = worker.steps(Array.from({ length: STEPS }, () => SLOW_STEP));
    await workerBegun();
    t.store.transaction(() => t.store.writer.prepare("INSERT INTO gate_log(who) VALUES ('console')").run());
    const result = await batch;

    expect(result.changed).toHaveLength(STEPS);
    // The worker committed early for the console and went on in another transaction.
    expect(result.transactions).toBeGreaterThanOrEqual(2);
    const rows = order();
    const at = rows.indexOf('console');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(rows.length - 1);
    expect(t.store.writeGate!.holders).toBe(0);
  });

  it('so does a write statement outside any transaction (an upsert of a cursor)', async () => {
    const insert = t.store.writer.prepare("INSERT INTO gate_log(who) VALUES ('console')");
    const batch = worker.steps(Array.from({ length: STEPS }, () => SLOW_STEP));
    await workerBegun();
    insert.run();
    const result = await batch;

    expect(result.transactions).toBeGreaterThanOrEqual(2);
    const rows = order();
    expect(rows.indexOf('console')).toBeLessThan(rows.length - 1);
  });

  it('without console writes the worker keeps to its transaction budget (one transaction here)', async () => {
    const result = await worker.steps(Array.from({ length: 50 }, () => SLOW_STEP));
    expect(result.changed).toHaveLength(50);
    expect(result.transactions).toBe(1);
  });

  it('reads on the writer do not raise the gate', () => {
    const count = t.store.writer.prepare('SELECT count(*) FROM gate_log').pluck();
    expect(count.readonly).toBe(true);
    count.get();
    expect(t.store.writeGate!.holders).toBe(0);
  });
});
