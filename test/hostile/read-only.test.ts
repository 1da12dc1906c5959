import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changes, commandNames } from '../../src/shared/api.js';
import { pollUntil } from '../support/poll.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { call, openSocket } from './ws-client.js';

// `serve --read-only`, a console on a shared screen: everything can be looked at,
// nothing changed — no typing into a pane, no task, config, alert or workflow change.

let c: ServeProcess;
beforeAll(async () => {
  c = await startServe({ args: ['--read-only'] });
});
afterAll(async () => c?.stop());

const SAMPLE_PARAMS: Record<string, unknown> = {
  'config.save': { path: 'base/routing_rules.yaml', text: 'x: 1\n' },
  'terminal.input': { terminalId: 'abc', data: 'rm -rf ~\r' },
  'tasks.create': { type: 'bug_fix', title: 't', prompt: 'p' },
  'tasks.createMany': { tasks: [{ type: 'bug_fix', title: 't', prompt: 'p' }] },
  'tasks.cancel': { id: 1 },
  'tasks.retry': { id: 1 },
  'tasks.setPriority': { id: 1, priority: 9 },
  'tasks.hold': { id: 1, reason: 'r' },
  'tasks.release': { id: 1 },
  'alerts.ack': { id: 1 },
  'errors.resolve': { id: 1 },
  'projects.add': { path: '/tmp' },
  'workflows.start': { name: 'maintenance' },
  'workflows.cancel': { id: 1 },
  'attention.answer': { sessionId: 'probe', option: 1 },
  'notifications.test': { channel: 'log' },
};

describe('a read-only console', () => {
  it('says so, and refuses every command that changes something', async () => {
    const ws = await openSocket(c.port, c.token);
    expect(((await call(ws, 'app.info')).result as { readOnly: boolean }).readOnly).toBe(true);
    const changing = commandNames.filter(changes);
    expect(changing.sort()).toEqual(Object.keys(SAMPLE_PARAMS).sort());
    for (const name of changing) {
      const r = await call(ws, name, SAMPLE_PARAMS[name]);
      expect(r.error, name).toMatchObject({ code: -32003, message: expect.stringContaining('read-only') });
    }
    const tasks = (await call(ws, 'tasks.list')).result as { total: number };
    expect(tasks.total).toBe(0);
    ws.close();
  });

  it('refuses the HTTP routes that change something (answering a dialog), and serves the ones that read', async () => {
    const headers = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' };
    const answer = await fetch(`http://127.0.0.1:${c.port}/api/attention/answer`, { method: 'POST', headers, body: JSON.stringify({ session: 'probe', option: 1 }) });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: string }).error).toContain('read-only');
    const inbox = await fetch(`http://127.0.0.1:${c.port}/api/attention/inbox`, { headers });
    expect(inbox.status).toBe(200);
  });

  it('opens a terminal to look, but no key reaches the pane', async () => {
    const ws = await openSocket(c.port, c.token);
    const pane = c.tmux.run('list-panes', '-t', 'probe', '-F', '#{pane_id}').trim();
    await pollUntil('the probe pane listed', async () => {
      const r = (await call(ws, 'sessions.list')).result as { sessions: Array<{ paneId: string }> };
      return r.sessions.some((s) => s.paneId === pane);
    }, { limitMs: 20_000 });
    const opened = await call(ws, 'terminal.open', { sessionId: `${c.tmux.socket}:${pane}` });
    const { terminalId } = opened.result as { terminalId: string };
    const typed = await call(ws, 'terminal.input', { terminalId, data: 'echo should-not-run\r' });
    expect(typed.error?.code).toBe(-32003);
    await new Promise((r) => setTimeout(r, 500));
    expect(c.tmux.run('capture-pane', '-p', '-t', pane)).not.toContain('should-not-run');
    ws.close();
  });
});
