import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyingWorkflows, startWorkflowConsole, type WorkflowConsole } from '../../support/workflow-console.js';

// Workflow triggers on a real console (core + web server, shipped config): the
// seed's `trigger: {type: api}` workflows are token-guarded HTTP routes whose body is
// the run's input and `${trigger.body…}`; event triggers start runs on Architect's own
// events (here config_applied, raised by the very change that adds the workflow).

let c: WorkflowConsole;
let auth: Record<string, string>;
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  c = await startWorkflowConsole();
  auth = { authorization: `Bearer ${c.server.token}` };
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

const notificationsLike = (text: string): string[] => c.messages().filter((m) => m.includes(text));

describe('api triggers', () => {
  it('POST /api/bugs needs the token, then starts bug_fix with the body as its input', async () => {
    const body = JSON.stringify({ title: 'Login fails on Safari' });
    expect((await fetch(`${c.base}/api/bugs`, { method: 'POST', headers: json, body })).status).toBe(401);
    const res = await fetch(`${c.base}/api/bugs`, { method: 'POST', headers: { ...auth, ...json }, body });
    expect(res.status).toBe(202);
    const started = (await res.json()) as { runId: number; workflow: string };
    expect(started.workflow).toBe('bug_fix');
    const r = c.run(started.runId);
    expect(r.run.trigger).toBe('api');
    expect(r.run.input).toEqual({ title: 'Login fails on Safari' });
    // Its first step made the seed's bug_fix task.
    const created = await c.until('create_task', () => c.run(started.runId).steps.find((s) => s.step === 'create_task')?.output as { id: number } | undefined);
    const { task } = c.core.handlers['tasks.get']({ id: created.id }) as unknown as { task: { type: string; priority: number } };
    expect(task).toMatchObject({ type: 'bug_fix', priority: 9 });
  });

  it('only the method the trigger names; a body that is not an object is refused', async () => {
    expect((await fetch(`${c.base}/api/bugs`, { headers: auth })).status).toBe(404);
    const bad = await fetch(`${c.base}/api/features`, { method: 'POST', headers: { ...auth, ...json }, body: '[1,2]' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/JSON object/);
  });

  it('${trigger.…} resolves everywhere: body, method, endpoint, URL parameters', async () => {
    await c.addWorkflows(notifyingWorkflows([['echo_trigger', '{ type: "api", endpoint: "/hooks/echo", method: "PUT" }', 'echo ${trigger.body.title} via ${trigger.method} ${trigger.endpoint} from ${trigger.query.source} (input ${input.title})']]));
    const res = await fetch(`${c.base}/hooks/echo?source=ci`, { method: 'PUT', headers: { ...auth, ...json }, body: JSON.stringify({ title: 'Nightly' }) });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: number };
    await c.until('the run to complete', () => c.run(runId).run.status === 'completed' || (c.run(runId).run.error && fail(c.run(runId).run.error)));
    expect(notificationsLike('echo Nightly')).toEqual(['echo Nightly via PUT /hooks/echo from ci (input Nightly)']);
    // Outside /api/, the route is still behind the token.
    expect((await fetch(`${c.base}/hooks/echo`, { method: 'PUT', headers: json, body: '{}' })).status).toBe(401);
  });
});

describe('event triggers', () => {
  it('config_applied starts the workflow that names it, with the new version as ${trigger.version}', async () => {
    await c.addWorkflows(notifyingWorkflows([['on_config', '{ type: "event", event: "config_applied" }', 'applied ${trigger.version} (${trigger.event})']]));
    const version = (c.core.handlers['config.status']({}) as unknown as { version: string }).version;
    await c.until('the event run', () => notificationsLike('applied ').includes(`applied ${version} (config_applied)`));
  });
});

function fail(message: string | null): never {
  throw new Error(`the run failed: ${message}`);
}
