// Two consoles on one PostgreSQL queue, as operators run them: two `architect serve
// --db postgres://…` processes (from the sources) on a throw-away PostgreSQL 15 cluster
// (test/support/postgres.ts, durability on), each watching its own private tmux server.
// Console A has no agent; console B has one idle scripted agent (test/support/fake-agent.mjs,
// named `claude`). A task added on A reaches B by LISTEN/NOTIFY, B claims it and types it:
//   consoles_api_task_to_dispatch_*: from console A's JSON-RPC `tasks.create` reply
//     until the prompt is visible in B's agent's pane;
//   consoles_cli_task_to_dispatch_*: the same from `architect --db postgres://… tasks add`
//     (another process) returning.
// Each task waits for the agent to finish the previous one and be idle again; p50 / p90
// over 20 tasks each. The budget: routed within a second. Printed, never
// asserted. (cross-console-postgres.bench.ts measures the claim alone, in one process.)
// Skipped with a line saying so where the PostgreSQL binaries are missing.
import os from 'node:os';
import type { Task } from '../src/shared/api.js';
import { startServe, type ServeProcess } from '../test/hostile/serve-process.js';
import type { RpcClient } from '../test/integration/web/console.js';
import { postgresMissing, TestPostgres } from '../test/support/postgres.js';
import { cliAdd, measureDispatch, percentile, rpc, startWorker } from './support/dispatch-latency.js';

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const missing = postgresMissing();
  if (missing) {
    process.stderr.write(`consoles-postgres: skipped — ${missing}\n`);
    return {};
  }
  const tasks = opts.quick ? 5 : 20;
  const cluster = await TestPostgres.start({ fast: false });
  const serves: ServeProcess[] = [];
  const clients: RpcClient[] = [];
  try {
    const url = await cluster.createDatabase('bench');
    // The last --db given counts: the shared database instead of startServe's SQLite file.
    const a = await startServe({ args: ['--db', url] });
    serves.push(a);
    const b = await startServe({ args: ['--db', url] });
    serves.push(b);
    const pane = startWorker(b);
    const onA = await rpc(a);
    const onB = await rpc(b);
    clients.push(onA.client, onB.client);
    // Added on A (its API, or the CLI with A's config), seen idle and typed by B, completed as A reads it.
    const measure = (label: string, add: (prompt: string) => Promise<Task>): Promise<number[]> =>
      measureDispatch({ label: `consoles ${label}`, tasks, agentsServe: b, agents: onB, tasksOn: onA, pane, add });
    const api = await measure('api', (prompt) => onA.call<Task>('tasks.create', { type: 'bug_fix', title: prompt, prompt }));
    const cli = await measure('cli', (prompt) => cliAdd(a, url, prompt));
    process.stderr.write(`consoles-postgres: load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    return {
      consoles_api_task_to_dispatch_p50_ms: Math.round(percentile(api, 50)),
      consoles_api_task_to_dispatch_p90_ms: Math.round(percentile(api, 90)),
      consoles_cli_task_to_dispatch_p50_ms: Math.round(percentile(cli, 50)),
      consoles_cli_task_to_dispatch_p90_ms: Math.round(percentile(cli, 90)),
    };
  } finally {
    for (const c of clients) c.close();
    for (const s of serves) await s.stop();
    await cluster.stop();
  }
}
