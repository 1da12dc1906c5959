import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, Task } from '../../../src/shared/api.js';
import { loadConfig } from '../../../src/main/config/load.js';
import type { ConfigSnapshot } from '../../../src/main/config/snapshot.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { TaskService } from '../../../src/main/tasks/service.js';
import { REPO_ROOT } from '../../hostile/serve-process.js';
import { startTestConsole, type TestConsole } from '../web/console.js';

// Event triggers other than config_applied, fired by the real core: a task failing
// (written by the task core in another connection, as the CLI does), an SLA level
// crossed (the console's own SLA watcher, on a task created long ago), and a task
// completed by a scripted agent on the console's private tmux server, whose state
// changes fire agent_working and agent_idle. Each must start its workflow with
// `${trigger.…}` resolved.

const FAKE = path.join(REPO_ROOT, 'test/support/fake-agent.mjs');
/** bug_fix prefers dev_worker2 (config/base/routing_rules.yaml). */
const WORKER = 'dev_worker2';
/** Generous: the console runs from the TypeScript sources on a loaded machine. */
const LIMIT_MS = 60_000;

let c: TestConsole;
let other: Store;
let tasks: TaskService;

beforeAll(async () => {
  c = await startTestConsole({ copyConfig: true });
  const loaded = loadConfig({ dir: c.configDir, env: null });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const snapshot: ConfigSnapshot = loaded.snapshot;
  other = openStore({ path: path.join(c.dir, 'architect.db'), logger: silentLogger });
  tasks = new TaskService({ store: other, config: () => snapshot });
  await addWorkflows(
    [
      ['on_done', 'task_completed', 'done #${trigger.task.id} ${trigger.task.title} by ${trigger.session.name} (${trigger.event}, input ${input.task_id})'],
      ['on_failed', 'task_failed', 'failed #${trigger.task.id} ${trigger.task.title} (${trigger.event}, input ${input.task_id})'],
      ['on_sla', 'sla_critical', 'sla ${trigger.level} #${trigger.task.id} ${trigger.task.title} (${trigger.event})'],
      ['on_working', 'agent_working', 'working ${trigger.session.name} (${trigger.event}, input ${input.session})'],
      ['on_idle', 'agent_idle', 'idle ${trigger.session.name} (${trigger.event}, input ${input.session})'],
    ]
      .map(([name, event, message]) => `  ${name}:\n    trigger: { type: "event", event: "${event}" }\n    steps:\n      - id: "say"\n        type: "notification"\n        channel: "dashboard"\n        message: "${message}"\n`)
      .join(''),
  );
}, LIMIT_MS * 2);

afterAll(async () => {
  other?.close();
  await c?.stop();
});

async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = LIMIT_MS): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const messages = (): string[] => {
  const rows = c.core.handlers['alerts.list']({ includeAcknowledged: true, limit: 1000 }) as unknown as { alerts: { message: string }[] };
  return rows.alerts.map((a) => a.message);
};
type Run = { id: number; workflow: string; trigger: string; status: string; input: Record<string, unknown> };
const runsOf = (workflow: string): Run[] => (c.core.handlers['workflows.runs']({ limit: 1000 }) as unknown as { runs: Run[] }).runs.filter((r) => r.workflow === workflow);

const addWorkflows = (yaml: string): Promise<void> => changeConfig('workflows.yaml', yaml);

/** Appends to a file of the console's config and waits until the console runs that config. */
async function changeConfig(name: string, yaml: string): Promise<void> {
  const file = path.join(c.configDir, 'base', name);
  const before = (c.core.handlers['config.status']({}) as unknown as { version: string | null }).version;
  fs.appendFileSync(file, yaml);
  await until('the new config', () => {
    const s = c.core.handlers['config.status']({}) as unknown as { ok: boolean; version: string | null; errors: { message: string }[] };
    if (!s.ok && s.errors.length) throw new Error(s.errors.map((p) => p.message).join('; '));
    return s.ok && s.version !== before;
  });
}

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
    await until('on_failed to run', () => messages().includes(`failed #${task.id} Flaky build (task_failed, input ${task.id})`));
    const runs = runsOf('on_failed');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'event:task_failed', input: { task_id: task.id } });
    // Nothing else fired for it.
    expect(runsOf('on_done')).toEqual([]);
  });

  it('sla_critical: a task past its target starts on_sla once', { timeout: LIMIT_MS * 2 }, async () => {
    const task = tasks.create({ type: 'feature', title: 'Old request', prompt: 'p' });
    const target = tasks.defaultsFor('feature').targetMinutes ?? 60;
    // Created twice its target ago (as if imported from an old queue); the watcher
    // evaluates a task again when its status changes: held, then released.
    other.writer.prepare('UPDATE tasks SET created_at = ? WHERE id = ?').run(toSqlTime(new Date(Date.now() - 2 * target * 60_000)), task.id);
    tasks.hold(task.id, 'test');
    tasks.release(task.id);
    await until('on_sla to run', () => messages().includes(`sla critical #${task.id} Old request (sla_critical)`));
    expect(runsOf('on_sla').filter((r) => r.input.task_id === task.id)).toHaveLength(1);
    // Out of the way of the agent below.
    c.core.handlers['tasks.cancel']({ id: task.id });
  });

  it('task_completed, agent_working, agent_idle: a scripted agent works a task off', { timeout: LIMIT_MS * 3 }, async () => {
    const bin = path.join(c.dir, 'bin');
    fs.mkdirSync(bin);
    const claude = path.join(bin, 'claude');
    fs.copyFileSync(FAKE, claude);
    fs.chmodSync(claude, 0o755);
    c.tmux.newSession(WORKER, [claude, path.join(c.dir, 'agent.log'), '--work-ms', '300']);
    await until(`${WORKER} idle in the console`, () => {
      const { sessions } = c.core.handlers['sessions.list']({}) as unknown as { sessions: Session[] };
      return sessions.some((s) => s.name === WORKER && s.agent === 'claude' && s.state === 'idle');
    });
    const task = c.core.handlers['tasks.create']({ type: 'bug_fix', title: 'Login crash', prompt: 'fix the login crash' }) as unknown as Task;
    await until('the task completed', () => (c.core.handlers['tasks.get']({ id: task.id }) as unknown as { task: Task }).task.status === 'completed');
    await until('on_done to run', () => messages().includes(`done #${task.id} Login crash by ${WORKER} (task_completed, input ${task.id})`));
    expect(runsOf('on_done').map((r) => r.trigger)).toEqual(['event:task_completed']);
    await until('on_working to run', () => messages().includes(`working ${WORKER} (agent_working, input ${WORKER})`));
    await until('on_idle to run', () => messages().includes(`idle ${WORKER} (agent_idle, input ${WORKER})`));
  });
});
