import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionState } from '../../../src/shared/api.js';
import { loadConfig } from '../../../src/main/config/load.js';
import { deliverPrompt, runTmux } from '../../../src/main/dispatch/deliver.js';
import { inputBoxText } from '../../../src/main/dispatch/plan.js';
import { harness, type Harness } from '../../unit/workflows/harness.js';
import { pollUntil } from '../../support/poll.js';
import { killTestServer, testSocket } from '../../support/tmux.js';

// The shipped bug_fix workflow end to end: the task is created, routed to a session
// whose pane runs a scripted fake agent on a private tmux server, the prompt is
// delivered by dispatch, the notification is stored, and the agent finishes its turn.

const here = path.dirname(fileURLToPath(import.meta.url));
const configDir = path.resolve(here, '../../../config');
const AGENT = path.resolve(here, '../../support/fake-agent.mjs');
const SOCKET = testSocket('wf');
const server = { socketName: SOCKET };
const READY_TIMEOUT_MS = 5000;
const DONE_TIMEOUT_MS = 10_000;
const POLL_MS = 50;
const AGENT_WORK_MS = 300;

let h: Harness | undefined;

function classify(screen: string): SessionState {
  if (screen.includes('esc to interrupt')) return 'working';
  return inputBoxText(screen) === null ? 'unknown' : 'idle';
}

const until = (what: string, ms: number, check: () => Promise<boolean>): Promise<true> => pollUntil(what, check, { limitMs: ms, intervalMs: POLL_MS });

beforeAll(() => {
  h = harness({});
});

afterAll(async () => {
  killTestServer(SOCKET);
  await h?.close();
});

describe('bug_fix against a fake agent in tmux', () => {
  it('creates, routes, delivers the prompt, notifies, and the agent works it off', async () => {
    const hh = h as Harness;
    const loaded = loadConfig({ dir: configDir, env: null });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    hh.setConfig(loaded.snapshot);

    const log = path.join(hh.dir, 'agent.log');
    fs.writeFileSync(log, '');
    await runTmux(server, ['-f', '/dev/null', 'new-session', '-d', '-s', 'dev_worker2', '-x', '100', '-y', '30', process.execPath, AGENT, log, '--work-ms', String(AGENT_WORK_MS)]);
    const paneId = (await runTmux(server, ['display-message', '-p', '-t', 'dev_worker2', '#{pane_id}'])).trim();
    const screen = () => runTmux(server, ['capture-pane', '-p', '-t', paneId]);
    await until('the fake agent prompt', READY_TIMEOUT_MS, async () => (await screen()).includes('❯'));

    // Routing as the core wires it: the rule's first preferred session, then dispatch into its pane.
    hh.deps.routeTask = async (taskId) => {
      const session = loaded.snapshot.routing.environment_routing.bug_fix?.preferred_sessions[0] as string;
      const task = hh.store.tasks.get(taskId);
      const delivered = await deliverPrompt(server, { name: session, paneId }, task?.prompt ?? '', { classify });
      if (delivered.outcome !== 'taken') return { queued: delivered.reason };
      hh.store.writer.prepare("UPDATE tasks SET status = 'in_progress', assigned_to = ? WHERE id = ?").run(session, taskId);
      return { sessionName: session };
    };
    const engine = hh.engine();
    const prompt = 'Fix the login crash:\nthe session cookie is read before it is set.';
    const run = await engine.finished(engine.run('bug_fix', { title: 'Login crash', prompt }, 'api'));
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');

    const task = hh.store.tasks.get(run.taskId as number);
    expect(task).toMatchObject({ type: 'bug_fix', title: 'Login crash', priority: 9, status: 'in_progress', assignedTo: 'dev_worker2' });
    expect(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string)).toEqual([prompt]);
    expect(hh.store.reader.prepare('SELECT task_id, message FROM notifications').all()).toEqual([
      { task_id: run.taskId, message: `URGENT: Bug fix task ${run.taskId} assigned to dev_worker2` },
    ]);

    // Marking the task completed from this is the session monitor's part, not the workflow's.
    await until('the agent to finish its turn', DONE_TIMEOUT_MS, async () => (await screen()).includes(`● done: ${prompt.length} chars`));
  });
});
