// notifications.yaml against a real HTTP receiver on 127.0.0.1, with scripted agents in
// a private tmux server read by the real monitor: one POST per settled episode, none
// for a turn or a flicker, a retry after a 500, nothing again after a reload or restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../support/poll.js';
import { AttentionConsole, Receiver, sleep, type Agent } from './harness.js';

/** Long enough for a settled state to have been sent, had it been an event. */
const QUIET_MS = 3000;
const LIMIT_MS = 20_000;

const config = (url: string) => `version: "1.0"
channels:
  hook: { type: webhook, url: "${url}/hook", format: generic, retry: { attempts: 3, backoff_seconds: 0.5 } }
rules:
  - name: ops
    on: [agent_waiting, agent_error, agent_limit, task_completed, task_failed]
    channels: [hook]
`;

describe('webhook notifications from settled agent states', () => {
  const receiver = new Receiver();
  let c: AttentionConsole;
  const agents = new Map<string, Agent>();
  const postsFor = (name: string) => receiver.of((b) => b.session === name);

  beforeAll(async () => {
    await receiver.start();
    c = new AttentionConsole(config(receiver.url));
    for (const name of ['approver', 'turner', 'flicker', 'retried']) agents.set(name, c.agent(name));
    await c.start();
    await pollUntil('four idle agents', async () => (await c.call('sessions.list')).sessions.filter((s) => s.agent === 'claude' && s.state === 'idle').length === 4, { limitMs: LIMIT_MS });
  });

  afterAll(async () => {
    await c?.stop();
    await receiver.close();
  });

  // How soon (the issue asks within 2 s) is measured by `npm run bench`
  // (notify_waiting_to_post_*): a test on a shared machine asserts what, not how fast.
  it('an agent going to approval gives exactly one agent_waiting POST', async () => {
    agents.get('approver')!.cue('approval');
    const [post] = await pollUntil('the agent_waiting POST', () => postsFor('approver').length > 0 && postsFor('approver'), { limitMs: LIMIT_MS });
    expect(post!.body).toMatchObject({ event: 'agent_waiting', session: 'approver', agent: 'claude', state: 'waiting', reason: 'approval', question: 'Do you want to proceed?' });
    expect(post!.body.options).toEqual(['Yes', 'Yes, and always allow access to project1/ from this project', 'No']);
    await sleep(QUIET_MS);
    expect(postsFor('approver')).toHaveLength(1);
  });

  it('a working → idle turn gives none', async () => {
    const turner = agents.get('turner')!;
    turner.cue('working');
    await sleep(1500);
    turner.cue('idle');
    await sleep(QUIET_MS);
    expect(postsFor('turner')).toEqual([]);
  });

  it('a flicker (a dialog held less than settle_seconds) gives none', async () => {
    const flicker = agents.get('flicker')!;
    flicker.cue('approval');
    await sleep(150);
    flicker.cue('working');
    await sleep(QUIET_MS);
    expect(postsFor('flicker')).toEqual([]);
    flicker.cue('idle');
  });

  it('a receiver answering 500 then 200 gets the event once more, after a retry, and it is recorded as sent', async () => {
    receiver.answerWith(500);
    agents.get('retried')!.cue('error');
    await pollUntil('the retried POST', () => postsFor('retried').length >= 2, { limitMs: LIMIT_MS });
    await sleep(QUIET_MS);
    const posts = postsFor('retried');
    expect(posts.map((p) => p.status)).toEqual([500, 200]);
    expect(posts[0]!.body).toEqual(posts[1]!.body);
    expect(posts[1]!.body).toMatchObject({ event: 'agent_error', session: 'retried' });
    const { deliveries } = await c.call('notifications.recent', { limit: 50 });
    const delivery = deliveries.find((d) => d.channel === 'hook' && d.event === 'agent_error');
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2, detail: 'HTTP 200: ok' });
  });

  it('neither a config reload nor a restart sends the waiting agent again', async () => {
    expect(postsFor('approver')).toHaveLength(1);
    const before = (await c.call('config.status')).version;
    c.writeNotifications(config(receiver.url).replace('version: "1.0"', 'version: "1.0"\nsettle_seconds: 0.6'));
    await pollUntil('the reload', async () => (await c.call('config.status')).version !== before, { limitMs: LIMIT_MS });
    await sleep(QUIET_MS);
    await c.restart();
    await pollUntil('the approver read as waiting again', async () => (await c.session('approver'))?.state === 'waiting', { limitMs: LIMIT_MS });
    await sleep(QUIET_MS);
    expect(postsFor('approver')).toHaveLength(1);
  });
});
