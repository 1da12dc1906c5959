import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/shared/api.js';
import { loadConfig } from '../../../src/main/config/load.js';
import type { ConfigSnapshot } from '../../../src/main/config/snapshot.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { TaskService } from '../../../src/main/tasks/service.js';
import { REPO_ROOT } from '../../hostile/serve-process.js';
import { LIMIT_MS, notifyingWorkflows, startWorkflowConsole, type WorkflowConsole } from '../../support/workflow-console.js';

// Event triggers other than config_applied, fired by the real core: a task failing
// (written by the task core in another connection, as the CLI does), an SLA level
// crossed (the console's own SLA watcher, on a task created long ago), a task
// completed by a scripted agent on the console's private tmux server, whose state
// changes fire agent_working and agent_idle; a second scripted agent showing Claude
// Code's approval dialog, an API error and a usage limit (agent_waiting, agent_error,
// agent_limit), and the first one exiting while it works a task
// (agent_exited_mid_task). Each must start its workflow with `${trigger.…}` resolved.

const DIALOG_AGENT = path.join(REPO_ROOT, 'test/support/dialog-agent.mjs');
/** bug_fix prefers dev_worker2 (config/base/routing_rules.yaml). */
const WORKER = 'dev_worker2';
/** No routing rule names it, and the tests below queue no task it could take. */
const HELPER = 'helper';

let c: WorkflowConsole;
let other: Store;
let tasks: TaskService;

beforeAll(async () => {
  c = await startWorkflowConsole();
  const loaded = loadConfig({ dir: c.configDir, env: null });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const snapshot: ConfigSnapshot = loaded.snapshot;
  other = openStore({ path: path.join(c.dir, 'architect.db'), logger: silentLogger });
  tasks = new TaskService({ store: other, config: () => snapshot });
  const on = (event: string): string => `{ type: "event", event: "${event}" }`;
  await c.addWorkflows(
    notifyingWorkflows([
      ['on_done', on('task_completed'), 'done #${trigger.task.id} ${trigger.task.title} by ${trigger.session.name} (${trigger.event}, input ${input.task_id})'],
      ['on_failed', on('task_failed'), 'failed #${trigger.task.id} ${trigger.task.title} (${trigger.event}, input ${input.task_id})'],
      ['on_sla', on('sla_critical'), 'sla ${trigger.level} #${trigger.task.id} ${trigger.task.title} (${trigger.event})'],
      ['on_working', on('agent_working'), 'working ${trigger.session.name} (${trigger.event}, input ${input.session})'],
      ['on_idle', on('agent_idle'), 'idle ${trigger.session.name} (${trigger.event}, input ${input.session})'],
      ['on_waiting', on('agent_waiting'), 'waiting ${trigger.session.name} on ${trigger.reason} (${trigger.event}, ${trigger.level})'],
      ['on_error', on('agent_error'), 'error ${trigger.session.name} (${trigger.event}, ${trigger.level})'],
      ['on_limit', on('agent_limit'), 'limit ${trigger.session.name} (${trigger.event}, ${trigger.level})'],
      ['on_exit', on('agent_exited_mid_task'), 'exited ${trigger.session.name} holding #${trigger.task.id} ${trigger.task.title} (${trigger.event}, input ${input.task_id})'],
    ]),
  );
}, LIMIT_MS * 2);

afterAll(async () => {
  other?.close();
  await c?.stop();
});

const getTask = (id: number): Task => (c.core.handlers['tasks.get']({ id }) as unknown as { task: Task }).task;

describe('event triggers fired by the real core', () => {
  // No agent runs yet: nothing can claim these tasks but the test itself.
  it('task_failed: a task whose last attempt is used starts on_failed with ${trigger.task…}', async () => {
    const task = tasks.create({ type: 'feature', title: 'Flaky build', prompt: 'p' });
    const max = tasks.maxAttempts('feature');
    for (let i = 0; i < max; i++) {
      expect(tasks.claimMany([{ taskId: task.id, session: 'ghost', reason: 'test claim' }], [], new Date())).toHaveLength(1);
      expect(tasks.requeue(task.id, 'ghost', { reason: 'the agent exited', error: 'exited', notBefore: null, kind: 'dispatch' }, new Date())).toBe(true);
    }
    expect(tasks.get(task.id)?.status).toBe('failed');
    await c.until('on_failed to run', () => c.messages().includes(`failed #${task.id} Flaky build (task_failed, input ${task.id})`));
    const runs = c.runsOf('on_failed');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'event:task_failed', input: { task_id: task.id } });
    // Nothing else fired for it.
    expect(c.runsOf('on_done')).toEqual([]);
  });

  it('sla_critical: a task past its target starts on_sla once', { timeout: LIMIT_MS * 2 }, async () => {
    const task = tasks.create({ type: 'feature', title: 'Old request', prompt: 'p' });
    const target = tasks.defaultsFor('feature').targetMinutes ?? 60;
    // Created twice its target ago (as if imported from an old queue); the watcher
    // evaluates a task again when it comes back from a closed status: cancelled, then
    // retried (a change between open statuses, such as a hold and its release, is not
    // read: levels come from created_at).
    other.writer.prepare('UPDATE tasks SET created_at = ? WHERE id = ?').run(toSqlTime(new Date(Date.now() - 2 * target * 60_000)), task.id);
    tasks.cancel(task.id, 'test');
    tasks.retry(task.id, 'test');
    await c.until('on_sla to run', () => c.messages().includes(`sla critical #${task.id} Old request (sla_critical)`));
    expect(c.runsOf('on_sla').filter((r) => r.input.task_id === task.id)).toHaveLength(1);
    // Out of the way of the agent below.
    c.core.handlers['tasks.cancel']({ id: task.id });
  });

  it('task_completed, agent_working, agent_idle: a scripted agent works a task off', { timeout: LIMIT_MS * 3 }, async () => {
    await c.startAgent(WORKER, ['--work-ms', '300', '--long-ms', '120000']);
    const task = c.core.handlers['tasks.create']({ type: 'bug_fix', title: 'Login crash', prompt: 'fix the login crash' }) as unknown as Task;
    await c.until('the task completed', () => getTask(task.id).status === 'completed');
    await c.until('on_done to run', () => c.messages().includes(`done #${task.id} Login crash by ${WORKER} (task_completed, input ${task.id})`));
    expect(c.runsOf('on_done').map((r) => r.trigger)).toEqual(['event:task_completed']);
    await c.until('on_working to run', () => c.messages().includes(`working ${WORKER} (agent_working, input ${WORKER})`));
    await c.until('on_idle to run', () => c.messages().includes(`idle ${WORKER} (agent_idle, input ${WORKER})`));
  });

  it('agent_waiting, agent_error, agent_limit: an agent settles on an approval dialog, an API error, a usage limit', { timeout: LIMIT_MS * 4 }, async () => {
    const control = path.join(c.dir, 'helper.cues');
    fs.writeFileSync(control, '');
    const bin = path.join(c.dir, 'dialog-bin');
    fs.mkdirSync(bin);
    fs.copyFileSync(DIALOG_AGENT, path.join(bin, 'claude'));
    fs.chmodSync(path.join(bin, 'claude'), 0o755);
    c.tmux.newSession(HELPER, [path.join(bin, 'claude'), control, path.join(c.dir, 'helper.log')]);
    await c.until(`${HELPER} idle`, () => c.sessions().some((s) => s.name === HELPER && s.agent === 'claude' && s.state === 'idle'));
    const cue = (name: string): void => fs.appendFileSync(control, `${name}\n`);

    cue('approval');
    await c.until('on_waiting to run', () => c.messages().includes(`waiting ${HELPER} on approval (agent_waiting, warning)`));
    cue('error');
    await c.until('on_error to run', () => c.messages().includes(`error ${HELPER} (agent_error, critical)`));
    cue('idle');
    await c.until(`${HELPER} idle again`, () => c.sessions().some((s) => s.name === HELPER && s.state === 'idle'));
    cue('limit');
    await c.until('on_limit to run', () => c.messages().includes(`limit ${HELPER} (agent_limit, warning)`));
    // One run each: a settled state is one episode, however long the screen stays.
    expect([c.runsOf('on_waiting'), c.runsOf('on_error'), c.runsOf('on_limit')].map((r) => r.map((x) => x.trigger))).toEqual([['event:agent_waiting'], ['event:agent_error'], ['event:agent_limit']]);
    cue('idle');
  });

  it('agent_exited_mid_task: the agent holding a task exits', { timeout: LIMIT_MS * 3 }, async () => {
    // LONG: the scripted agent works on it for two minutes (--long-ms above).
    const task = c.core.handlers['tasks.create']({ type: 'bug_fix', title: 'Payment timeout', prompt: 'LONG fix the payment timeout' }) as unknown as Task;
    await c.until(`${WORKER} working the task`, () => getTask(task.id).status === 'in_progress' && getTask(task.id).assignedTo === WORKER);
    c.tmux.run('send-keys', '-t', `${WORKER}:`, 'C-c');
    await c.until('on_exit to run', () => c.messages().includes(`exited ${WORKER} holding #${task.id} Payment timeout (agent_exited_mid_task, input ${task.id})`));
    expect(c.runsOf('on_exit').map((r) => r.trigger)).toEqual(['event:agent_exited_mid_task']);
    c.core.handlers['tasks.cancel']({ id: task.id });
  });
});
