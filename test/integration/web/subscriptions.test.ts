import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { pollUntil } from '../../support/poll.js';
import { RpcClient, startTestConsole, type TestConsole } from './console.js';

// Session updates reach a browser as deltas, and only the events its page listens to
// (events.subscribe); a client that never subscribes (a script) still gets everything.

let c: TestConsole;
beforeAll(async () => {
  c = await startTestConsole();
});
afterAll(async () => {
  await c?.stop();
});

type Delta = { upserted: Session[]; changed: Array<Partial<Session> & { id: string }>; removed: string[] };
const deltas = (client: RpcClient): Delta[] => client.notifications.filter((n) => n.method === 'sessions.delta').map((n) => n.params as Delta);

describe('event subscriptions and session deltas', () => {
  it('a subscribed page gets only its events, the new session as a delta, and its going as a removal', async () => {
    const page = await RpcClient.connect(c);
    const script = await RpcClient.connect(c);
    expect((await page.call('events.subscribe', { events: ['sessions.delta', 'tasks.changed'] })).result).toEqual({ ok: true });

    const pane = c.tmux.newSession('subscribed', ['sh']);
    const added = await pollUntil('the new pane in a delta', () => deltas(page).flatMap((d) => d.upserted).find((s) => s.paneId === pane), { limitMs: 20_000 });
    // The page's deltas carry what changed, not every session each time.
    expect(deltas(page).every((d) => d.upserted.length + d.changed.length + d.removed.length >= 1)).toBe(true);
    await pollUntil('the script to hear the full list too', () => script.notifications.some((n) => n.method === 'sessions.changed'), { limitMs: 20_000 });

    c.tmux.run('kill-session', '-t', 'subscribed');
    await pollUntil('the removal in a delta', () => deltas(page).some((d) => d.removed.includes(added.id)), { limitMs: 20_000 });

    // Nothing the page did not ask for was pushed to it.
    expect(new Set(page.notifications.map((n) => n.method))).toEqual(new Set(['sessions.delta', ...(page.notifications.some((n) => n.method === 'tasks.changed') ? ['tasks.changed'] : [])]));
    expect(script.notifications.some((n) => n.method === 'sessions.delta')).toBe(true);
    page.ws.close();
    script.ws.close();
  });

  it('an unknown event name is a clear error and changes nothing', async () => {
    const client = await RpcClient.connect(c);
    const reply = await client.call('events.subscribe', { events: ['sessions.delta', 'no.such.event'] });
    expect(reply.error?.message).toMatch(/unknown event\(s\): "no\.such\.event"/);
    client.ws.close();
  });
});
