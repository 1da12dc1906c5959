import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcClient, startTestConsole, type TestConsole } from './console.js';

// The seed's routing service and metrics over HTTP, and a rule change on disk
// taking effect under a running console.
let c: TestConsole;
let auth: Record<string, string>;
beforeAll(async () => {
  c = await startTestConsole({ copyConfig: true });
  auth = { authorization: `Bearer ${c.server.token}` };
});
afterAll(async () => {
  await c?.stop();
});

describe('routing service and metrics', () => {
  it('GET /api/route/rules returns the rules in force', async () => {
    const res = await fetch(`${c.base}/api/route/rules`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(JSON.stringify(body)).toContain('bug_fix');
  });

  it('POST /api/route/task answers a decision, and 400 for a bad body', async () => {
    const ok = await fetch(`${c.base}/api/route/task`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ task_type: 'bug_fix', priority: 9 }),
    });
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).toMatch(/queued|session/);
    const bad = await fetch(`${c.base}/api/route/task`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"task_type": 7}' });
    expect(bad.status).toBe(400);
    const notJson = await fetch(`${c.base}/api/route/task`, { method: 'POST', headers: auth, body: '{nope' });
    expect(notJson.status).toBe(400);
  });

  it('GET /metrics speaks Prometheus text and needs the token', async () => {
    expect((await fetch(`${c.base}/metrics`)).status).toBe(401);
    const res = await fetch(`${c.base}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^# TYPE architect_tasks gauge$/m);
    expect(text).toMatch(/^architect_tasks\{status="pending"\} \d+$/m);
  });

  it('applies a routing_rules.yaml change saved on disk without a restart', async () => {
    const rpc = await RpcClient.connect(c);
    const file = path.join(c.configDir, 'base', 'routing_rules.yaml');
    const before = fs.readFileSync(file, 'utf8');
    expect(before).toMatch(/timeout_minutes: 30/);
    // Editors save by writing a temp file and renaming it over the original.
    const tmp = `${file}.tmp-save`;
    fs.writeFileSync(tmp, before.replace(/(bug_fix:[\s\S]*?timeout_minutes: )30/, '$145'));
    fs.renameSync(tmp, file);
    await rpc.waitFor((n) => n.method === 'config.changed' && (n.params as { ok: boolean }).ok);
    const rules = (await (await fetch(`${c.base}/api/route/rules`, { headers: auth })).json()) as { environment_routing: { bug_fix: { timeout_minutes: number } } };
    expect(rules.environment_routing.bug_fix.timeout_minutes).toBe(45);

    // An invalid change keeps the rules in force and reports where the problem is.
    fs.writeFileSync(file, before.replace(/(bug_fix:[\s\S]*?timeout_minutes: )30/, '$1"soon"'));
    const broken = await rpc.waitFor((n) => n.method === 'config.changed' && !(n.params as { ok: boolean }).ok);
    expect(JSON.stringify(broken.params)).toContain('routing_rules.yaml');
    const still = (await (await fetch(`${c.base}/api/route/rules`, { headers: auth })).json()) as { environment_routing: { bug_fix: { timeout_minutes: number } } };
    expect(still.environment_routing.bug_fix.timeout_minutes).toBe(45);
    rpc.close();
  });
});
