// Attention: from an agent showing an approval dialog to the webhook receiving its
// agent_waiting POST (detection, the settle time, the outbox and the HTTP request),
// with the shipped settle_seconds. The target is 2 s. Printed, never asserted.
import { AttentionConsole, Receiver, sleep } from '../test/integration/attention/harness.js';
import { pollUntil } from '../test/support/poll.js';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const receiver = await new Receiver().start();
  const c = new AttentionConsole(`version: "1.0"
channels:
  hook: { type: webhook, url: "${receiver.url}/hook" }
rules:
  - { on: [agent_waiting], channels: [hook] }
`);
  try {
    const agent = c.agent('bench_worker');
    await c.start();
    await pollUntil('the agent idle', async () => (await c.session('bench_worker'))?.state === 'idle', { limitMs: 30_000 });
    const rounds = opts.quick ? 3 : 10;
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const before = receiver.posts.length;
      // A command of its own each round: a new dialog is a new episode.
      const shownAt = agent.cue(`approval rm -rf ./build-${i}`);
      await pollUntil('the POST', () => receiver.posts.length > before, { limitMs: 30_000, intervalMs: 5 });
      times.push(receiver.posts[before]!.atMs - shownAt);
      agent.cue('idle');
      await sleep(1500); // idle settles: the episode ends
    }
    return { notify_waiting_to_post_p50_ms: percentile(times, 50), notify_waiting_to_post_p90_ms: percentile(times, 90) };
  } finally {
    await c.stop();
    await receiver.close();
  }
}
