// A delivery that failed and may be retried goes out again when its back-off is up, with
// nothing else happening in the console. While it was being sent, the worker's timer was
// set from the send's lease (15 minutes); the end of the send must look again, or the
// retry waits for the lease, or for whatever else wakes the worker (it used to be any
// commit to the file, the console's own included).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Retry } from '../../../src/main/config/schemas/notifications.js';
import { DeliveryWorker } from '../../../src/main/notifications/delivery-worker.js';
import { NotificationOutbox } from '../../../src/main/store/notification-outbox.js';
import { pollUntil } from '../../support/poll.js';
import { tempStore } from '../store/temp-store.js';

describe('the outbox worker, a retry', () => {
  let t: ReturnType<typeof tempStore>;
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(() => t.remove());

  it('is sent when its back-off is up, though nothing else wakes the worker', async () => {
    const outbox = new NotificationOutbox(t.store.writer);
    const now = new Date();
    const id = outbox.insertEvent({ key: 'k1', event: 'agent_error', level: 'warning', message: 'w1 failed', taskId: null, sessionId: null, payload: {}, channels: ['hook'], at: now })!;
    outbox.insertDelivery({ notificationId: id, channel: 'hook', rule: 'r', subject: 's', status: 'pending', detail: null, at: now });
    const answers = [500, 200];
    const sent: number[] = [];
    const worker = new DeliveryWorker({
      outbox,
      senders: () => ({
        send: () => {
          const status = answers[sent.length] ?? 200;
          sent.push(Date.now());
          return status === 200 ? { ok: true, detail: 'HTTP 200', retryable: false } : { ok: false, detail: `HTTP ${status}`, retryable: true };
        },
        retry: Retry.parse({ attempts: 3, backoff_seconds: 0.2 }),
      }),
    });
    const stop = worker.start();
    try {
      await pollUntil('the retry sent', () => sent.length === 2, { limitMs: 5_000, intervalMs: 20 });
      await worker.idle();
      expect(outbox.recent(5).map((d) => ({ status: d.status, attempts: d.attempts }))).toEqual([{ status: 'sent', attempts: 2 }]);
      // Not before its back-off.
      expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(150);
    } finally {
      await stop();
    }
  });
});
