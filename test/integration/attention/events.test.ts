// Task and SLA events through the same machinery, against a real receiver: a task
// completed while its agent waits is not "completed" until the agent is settled idle;
// a failure goes at once; an agent exiting mid-task is its own event; an SLA escalation
// naming a channel of notifications.yaml reaches it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { pollUntil } from '../../support/poll.js';
import { AttentionConsole, Receiver, sleep, type Agent } from './harness.js';

const QUIET_MS = 3000;
const LIMIT_MS = 20_000;

const NOTIFICATIONS = (url: string) => `version: "1.0"
channels:
  hook: { type: webhook, url: "${url}/hook", retry: { attempts: 2, backoff_seconds: 0.5 } }
rules:
  - on: [agent_waiting, task_completed, task_failed, agent_exited_mid_task]
    channels: [hook]
`;
// A minute's target is far too long for a test: 0.02 min is 1.2 s.
const SLA = `version: "1.0"
sla_targets:
  default: { target_minutes: 0.02, warning_percent: 80, critical_percent: 100 }
escalation_rules:
  - condition: "percent_used >= critical_percent"
    action: alert_user
    notification_channels: [dashboard, hook]
`;

describe('task, exit and SLA events', () => {
  const receiver = new Receiver();
  let c: AttentionConsole;
  let store: Store;
  const agents = new Map<string, Agent>();
  const posts = (event: string, taskId?: number) => receiver.of((b) => b.event === event && (taskId === undefined || b.task_id === taskId));
  const addTask = (title: string, status: string, assignedTo: string | null): number =>
    Number(store.writer.prepare("INSERT INTO tasks(type, title, prompt, status, assigned_to) VALUES ('bug_fix', ?, 'p', ?, ?)").run(title, status, assignedTo).lastInsertRowid);
  const setStatus = (id: number, status: string, reason: string) => store.writer.prepare('UPDATE tasks SET status = ?, status_reason = ? WHERE id = ?').run(status, reason, id);

  beforeAll(async () => {
    await receiver.start();
    c = new AttentionConsole(NOTIFICATIONS(receiver.url));
    c.writeConfig('sla_rules.yaml', SLA);
    for (const name of ['holder', 'leaver']) agents.set(name, c.agent(name));
    await c.start();
    store = openStore({ path: c.dbPath, logger: silentLogger });
    await pollUntil('two idle agents', async () => (await c.call('sessions.list')).sessions.filter((s) => s.state === 'idle').length === 2, { limitMs: LIMIT_MS });
  });
  afterAll(async () => {
    store?.close();
    await c?.stop();
    await receiver.close();
  });

  it('a task completed while its agent waits is sent only once the agent is settled idle', async () => {
    const holder = agents.get('holder')!;
    const id = addTask('Fix the login page', 'in_progress', 'holder');
    holder.cue('approval');
    await pollUntil('agent_waiting', () => posts('agent_waiting').length === 1, { limitMs: LIMIT_MS });
    setStatus(id, 'completed', 'completed: holder returned to idle after working');
    await sleep(QUIET_MS);
    expect(posts('task_completed', id)).toEqual([]);
    holder.cue('idle');
    const [done] = await pollUntil('task_completed', () => posts('task_completed', id).length > 0 && posts('task_completed', id), { limitMs: LIMIT_MS });
    expect(done!.body).toMatchObject({ event: 'task_completed', task_id: id, task_title: 'Fix the login page', task_type: 'bug_fix', session: 'holder' });
    await sleep(QUIET_MS);
    expect(posts('task_completed', id)).toHaveLength(1);
  });

  it('a failed task is sent at once, with its reason', async () => {
    const id = addTask('Deploy the shop', 'in_progress', 'holder');
    setStatus(id, 'failed', 'delivery failed 3 times: the pane is gone');
    const [failed] = await pollUntil('task_failed', () => posts('task_failed', id).length > 0 && posts('task_failed', id), { limitMs: LIMIT_MS });
    expect(failed!.body).toMatchObject({ event: 'task_failed', task_id: id, reason: 'delivery failed 3 times: the pane is gone', level: 'critical' });
  });

  it('an agent whose pane closes while it holds a task is agent_exited_mid_task', async () => {
    const id = addTask('Refactor the parser', 'in_progress', 'leaver');
    await pollUntil('the task joined to its session', async () => (await c.session('leaver'))?.currentTaskId === id, { limitMs: LIMIT_MS });
    c.tmux.run('kill-pane', '-t', agents.get('leaver')!.pane);
    const [exited] = await pollUntil('agent_exited_mid_task', () => posts('agent_exited_mid_task').length > 0 && posts('agent_exited_mid_task'), { limitMs: LIMIT_MS });
    expect(exited!.body).toMatchObject({ event: 'agent_exited_mid_task', session: 'leaver', task_id: id, task_title: 'Refactor the parser' });
  });

  it("an SLA escalation's notification_channels name a webhook of notifications.yaml: it gets the alert once", async () => {
    const id = addTask('Slow job', 'pending', null);
    const [alert] = await pollUntil('sla_critical', () => posts('sla_critical', id).length > 0 && posts('sla_critical', id), { limitMs: LIMIT_MS });
    expect(alert!.body).toMatchObject({ event: 'sla_critical', task_id: id, level: 'critical' });
    expect(String(alert!.body.message)).toMatch(/of its 0.02 min SLA \(critical\)/);
    const { alerts } = await c.call('alerts.list', {});
    expect(alerts.filter((a) => a.taskId === id)).toHaveLength(1);
    await sleep(6000); // past the next SLA pass
    expect(posts('sla_critical', id)).toHaveLength(1);
  });
});
