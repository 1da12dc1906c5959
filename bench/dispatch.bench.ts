// From a task coming in to its prompt in an idle agent's pane, with the console
// running as the operator runs it (`architect serve`, its own process) on a private
// tmux server with a scripted agent (test/support/fake-agent.mjs, named `claude`).
//   cli_task_to_dispatch_*: from `architect tasks add` (another process) returning
//     to the prompt visible in the pane: the console hears of the commit by polling
//     SQLite's data_version (EXTERNAL_WRITE_POLL_MS), then routes and types it.
//   api_task_to_dispatch_*: the same from the console's JSON-RPC `tasks.create` reply.
// Each task waits for the agent to finish the previous one and be idle again. The
// issue's budget is < 1 s. Printed, never asserted.
import { startServe, type ServeProcess } from '../test/hostile/serve-process.js';
import { cliAdd, measureDispatch, percentile, rpc, startWorker, type Rpc } from './support/dispatch-latency.js';
import type { Task } from '../src/shared/api.js';

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const tasks = opts.quick ? 5 : 20;
  const serve: ServeProcess = await startServe();
  let client: Rpc | null = null;
  try {
    const pane = startWorker(serve);
    const on = (client = await rpc(serve));
    const measure = (label: string, add: (prompt: string) => Promise<Task>): Promise<number[]> =>
      measureDispatch({ label, tasks, agentsServe: serve, agents: on, tasksOn: on, pane, add });
    const cli = await measure('cli', (prompt) => cliAdd(serve, serve.dbPath, prompt));
    const api = await measure('api', (prompt) => on.call<Task>('tasks.create', { type: 'bug_fix', title: prompt, prompt }));
    return {
      cli_task_to_dispatch_p50_ms: percentile(cli, 50),
      cli_task_to_dispatch_p90_ms: percentile(cli, 90),
      api_task_to_dispatch_p50_ms: percentile(api, 50),
      api_task_to_dispatch_p90_ms: percentile(api, 90),
    };
  } finally {
    client?.client.close();
    await serve.stop();
  }
}
