import { describe, expect, it } from 'vitest';
import { Retry } from '../../../src/main/config/schemas/notifications.js';
import { BatchDrain } from '../../../src/main/notifications/batch-drain.js';
import { DeliveryWorker, backoffMs } from '../../../src/main/notifications/delivery-worker.js';
import type { Logger } from '../../../src/main/log/logger.js';
import type { DueDelivery, NotificationOutbox } from '../../../src/main/store/notification-outbox.js';

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

describe('the outbox worker', () => {
  it('an outbox write that throws ends that send, logged, and the delivery goes out on a later look', async () => {
    // The console has no unhandled-rejection handler: a claim that threw (the database
    // locked) inside a send nobody awaited ended `architect serve` 16 s into a bench run.
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const errors: string[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (msg) => void errors.push(msg), child: () => logger };
    const delivery: DueDelivery = { id: 7, notificationId: 1, channel: 'log', attempts: 0, payload: null, message: 'late', level: 'critical', event: null };
    let claims = 0;
    let pending = true;
    const outbox = {
      due: () => (pending ? [delivery] : []),
      nextDue: () => null,
      claim: () => {
        if (++claims === 1) throw new Error('database is locked');
        return true;
      },
      finish: () => void (pending = false),
      retryAt: () => {},
    } as unknown as NotificationOutbox;
    const sent: string[] = [];
    const worker = new DeliveryWorker({ outbox, logger, senders: () => ({ send: (e) => (sent.push(e.message), { ok: true, detail: 'logged', retryable: false }), retry: Retry.parse({ attempts: 0 }) }) });
    const stop = worker.start();
    try {
      for (let i = 0; i < 50 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await worker.idle();
      expect(errors).toEqual(['notification to log: the outbox could not be written; it is looked at again']);
      expect(claims).toBe(2);
      expect(sent).toEqual(['late']);
      await new Promise((r) => setImmediate(r));
      expect(rejections).toEqual([]);
    } finally {
      await stop();
      process.off('unhandledRejection', onRejection);
    }
  });
});
