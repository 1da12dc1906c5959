import { afterEach, describe, expect, it } from 'vitest';
import { WorkerClient, WorkerGoneError } from '../../../src/main/store/worker-client.js';

// A real worker thread: 'echo' answers after `delayMs` (so replies can come back out of
// order), 'exit' ends the thread without answering, 'hang' never answers.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', (msg) => {
  if (msg === 'stop') return parentPort.close();
  if (msg.kind === 'exit') process.exit(3);
  if (msg.kind === 'hang') return;
  setTimeout(() => parentPort.postMessage({ id: msg.id, echo: msg.text, tag: workerData.tag }), msg.delayMs);
});
`;

type Req = { kind: 'echo'; text: string; delayMs: number } | { kind: 'exit' } | { kind: 'hang' };
type Reply = { id: number; echo: string; tag: string };

describe('WorkerClient', () => {
  let client: WorkerClient<Req, Reply>;
  afterEach(() => client.stop('test over'));

  it('starts the worker on the first request, not before', async () => {
    client = new WorkerClient({ source: SOURCE, workerData: { tag: 'lazy' }, name: 'test worker' });
    expect(client.running).toBe(false);
    const reply = await client.request({ kind: 'echo', text: 'a', delayMs: 0 });
    expect(client.running).toBe(true);
    expect(reply).toMatchObject({ echo: 'a', tag: 'lazy' });
  });

  it('matches each reply to its request by id, whatever order they come back in', async () => {
    client = new WorkerClient({ source: SOURCE, workerData: { tag: 'ids' }, name: 'test worker' });
    const slow = client.request({ kind: 'echo', text: 'slow', delayMs: 200 });
    const fast = client.request({ kind: 'echo', text: 'fast', delayMs: 0 });
    const order: string[] = [];
    const [s, f] = await Promise.all([slow.then((r) => (order.push(r.echo), r)), fast.then((r) => (order.push(r.echo), r))]);
    expect(order).toEqual(['fast', 'slow']);
    expect(s.echo).toBe('slow');
    expect(f.echo).toBe('fast');
    expect(s.id).not.toBe(f.id);
  });

  it('fails every waiting request when the worker exits, and starts a new one for the next', async () => {
    client = new WorkerClient({ source: SOURCE, workerData: { tag: 'exit' }, name: 'test worker' });
    const hanging = client.request({ kind: 'hang' });
    const exiting = client.request({ kind: 'exit' });
    await expect(hanging).rejects.toThrow(new WorkerGoneError('the test worker exited'));
    await expect(exiting).rejects.toBeInstanceOf(WorkerGoneError);
    expect(client.running).toBe(false);
    await expect(client.request({ kind: 'echo', text: 'again', delayMs: 0 })).resolves.toMatchObject({ echo: 'again' });
  });

  it('fails waiting requests on stop, and refuses later ones', async () => {
    client = new WorkerClient({ source: SOURCE, workerData: { tag: 'stop' }, name: 'test worker' });
    const hanging = client.request({ kind: 'hang' });
    client.stop('the console stopped');
    await expect(hanging).rejects.toThrow('the console stopped');
    await expect(client.request({ kind: 'echo', text: 'late', delayMs: 0 })).rejects.toThrow('the test worker is stopped');
    expect(client.running).toBe(false);
  });
});
