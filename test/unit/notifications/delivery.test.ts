import { describe, expect, it } from 'vitest';
import { Retry } from '../../../src/main/config/schemas/notifications.js';
import { BatchDrain } from '../../../src/main/notifications/batch-drain.js';
import { backoffMs } from '../../../src/main/notifications/delivery-worker.js';

describe('retries and bursts', () => {
  it('back-off doubles from backoff_seconds up to max_backoff_seconds', () => {
    const retry = Retry.parse({ backoff_seconds: 1, max_backoff_seconds: 5 });
    expect([1, 2, 3, 4, 5].map((attempt) => backoffMs(retry, attempt))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(Retry.parse({})).toEqual({ attempts: 4, backoff_seconds: 1, max_backoff_seconds: 300 });
  });

  it('a burst is handled a batch per turn of the event loop, in order', async () => {
    const batches: number[][] = [];
    const drain = new BatchDrain<number>((b) => batches.push(b), 100);
    for (let i = 0; i < 250; i++) drain.push(i);
    expect(batches).toEqual([]); // nothing in the caller's turn
    await new Promise((r) => setImmediate(r));
    expect(batches.map((b) => b.length)).toEqual([100]);
    await new Promise((r) => setTimeout(r, 20));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual([...Array(250).keys()]);
    drain.stop();
    drain.push(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(batches).toHaveLength(3);
  });
});
