// The attention API over the web console's HTTP routes (token-guarded), as a script
// uses it: the inbox, an answer, the deliveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/main/log/logger.js';
import { startWebServer, type WebServer } from '../../../src/main/web/server.js';
import { pollUntil } from '../../support/poll.js';
import { AttentionConsole, type Agent } from './harness.js';

describe('attention over HTTP', () => {
  let c: AttentionConsole;
  let server: WebServer;
  let agent: Agent;
  const api = async (path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(new URL(path, server.url), {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    c = new AttentionConsole('version: "1.0"\nrules:\n  - { on: [agent_waiting], channels: [log] }\n');
    agent = c.agent('dev_worker1');
    await c.start();
    server = await startWebServer({ handlers: c.core.handlers, bus: c.core.bus, log: silentLogger, port: 0, rendererDir: null, routes: c.core.routes });
    await pollUntil('the agent idle', async () => (await c.session('dev_worker1'))?.state === 'idle', { limitMs: 20_000 });
  });
  afterAll(async () => {
    await server?.close();
    await c?.stop();
  });

  it('needs the token, checks the body, and names an unknown session', async () => {
    expect((await fetch(new URL('/api/attention/inbox', server.url))).status).toBe(401);
    expect(await api('/api/attention/answer', { session: 'dev_worker1' })).toMatchObject({ status: 400, json: { error: expect.stringContaining('option') } });
    expect(await api('/api/attention/answer', { session: 'nobody', option: 1 })).toMatchObject({ status: 400, json: { error: expect.stringContaining('no session "nobody"') } });
  });

  it('lists the waiting agent with its dialog and answers it; the delivery to the log is listed', async () => {
    expect(await api('/api/attention/answer', { session: 'dev_worker1', option: 1 })).toMatchObject({ status: 200, json: { outcome: 'refused' } });
    agent.cue('approval');
    const item = await pollUntil(
      'the inbox item',
      async () => ((await api('/api/attention/inbox')).json.items as Array<{ name: string; dialog: { id: string; options: Array<{ label: string }> } | null }>).find((i) => i.name === 'dev_worker1' && i.dialog),
      { limitMs: 20_000 },
    );
    expect(item.dialog!.options.map((o) => o.label)).toEqual(['Yes', 'Yes, and always allow access to project1/ from this project', 'No']);
    // The waiting state settles (and is sent) before the answer: answered sooner, it would never have been news.
    const recent = await pollUntil('the delivery', async () => {
      const rows = (await api('/api/notifications/recent?limit=10')).json.deliveries as Array<{ event: string; channel: string; status: string }>;
      return rows.find((d) => d.event === 'agent_waiting' && d.status === 'sent') ?? null;
    }, { limitMs: 20_000 });
    expect(recent).toMatchObject({ channel: 'log', status: 'sent' });
    const answered = await api('/api/attention/answer', { session: 'dev_worker1', option: 2, dialog_id: item.dialog!.id });
    expect(answered).toMatchObject({ status: 200, json: { outcome: 'answered', state: 'working' } });
    expect(agent.answers()).toEqual([{ screen: 'approval', key: '2' }]);
  });
});
