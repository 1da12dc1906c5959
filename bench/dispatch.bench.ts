// From a task coming in to its prompt in an idle agent's pane, with the console
// running as the operator runs it (`architect serve`, its own process) on a private
// tmux server with a scripted agent (test/support/fake-agent.mjs, named `claude`).
//   cli_task_to_dispatch_*: from `architect tasks add` (another process) returning
//     to the prompt visible in the pane: the console hears of the commit by polling
//     SQLite's data_version (EXTERNAL_WRITE_POLL_MS), then routes and types it.
//   api_task_to_dispatch_*: the same from the console's JSON-RPC `tasks.create` reply.
// Each task waits for the agent to finish the previous one and be idle again. The
// issue's budget is < 1 s. Printed, never asserted.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Session, Task } from '../src/shared/api.js';
import { REPO_ROOT, startServe, type ServeProcess } from '../test/hostile/serve-process.js';
import { RpcClient } from '../test/integration/web/console.js';
import { pollUntil } from '../test/support/poll.js';

const execFileAsync = promisify(execFile);
const WORKER = 'dev_worker2'; // bug_fix's first preferred session
// Long enough for the console to see the agent working (a turn it never sees stays assigned).
const WORK_MS = 600;
const LIMIT_MS = 60_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const tasks = opts.quick ? 5 : 20;
  const serve: ServeProcess = await startServe();
  let rpc: RpcClient | null = null;
  try {
    const claude = path.join(serve.dir, 'bin', 'claude');
    fs.mkdirSync(path.dirname(claude));
    fs.copyFileSync(path.join(REPO_ROOT, 'test/support/fake-agent.mjs'), claude);
    fs.chmodSync(claude, 0o755);
    const pane = serve.tmux.newSession(WORKER, [claude, path.join(serve.dir, 'agent.log'), '--work-ms', String(WORK_MS)]);
    const client = await RpcClient.open(serve.port, { 'x-architect-token': serve.token });
    rpc = client;
    const call = async <T>(method: string, params?: unknown): Promise<T> => {
      const reply = await client.call(method, params);
      if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
      return reply.result as T;
    };
    const idle = (): Promise<boolean> =>
      pollUntil(`${WORKER} idle`, async () => (await call<{ sessions: Session[] }>('sessions.list')).sessions.some((s) => s.name === WORKER && s.state === 'idle'), { limitMs: LIMIT_MS, intervalMs: 20 });
    const visible = (text: string): Promise<number> =>
      pollUntil(`"${text}" in the pane`, () => (execFileSync('tmux', ['-L', serve.tmux.socket, 'capture-pane', '-p', '-t', pane], { encoding: 'utf8' }).includes(text) ? performance.now() : null), { limitMs: LIMIT_MS, intervalMs: 5 });
    const done = (id: number): Promise<boolean> =>
      pollUntil(`task ${id} completed`, async () => (await call<{ task: Task }>('tasks.get', { id })).task.status === 'completed', { limitMs: LIMIT_MS, intervalMs: 20 });

    const cliAdd = async (prompt: string): Promise<Task> => {
      const { stdout } = await execFileAsync(
        process.execPath,
        [path.join(REPO_ROOT, 'bin/architect.js'), '--config', serve.configDir, '--db', serve.dbPath, 'tasks', 'add', '--type', 'bug_fix', '--title', prompt, '--prompt', prompt, '--json'],
        { env: { ...process.env, ARCHITECT_DATA_DIR: serve.dataDir, ARCHITECT_LOG_LEVEL: 'warn' } },
      );
      return JSON.parse(stdout) as Task;
    };
    const apiAdd = (prompt: string): Promise<Task> => call<Task>('tasks.create', { type: 'bug_fix', title: prompt, prompt });

    const measure = async (label: string, add: (prompt: string) => Promise<Task>): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < tasks; i++) {
        await idle();
        const prompt = `bench ${label} task ${i}`;
        const task = await add(prompt);
        const returned = performance.now();
        times.push((await visible(prompt)) - returned);
        await done(task.id);
      }
      return times;
    };
    const cli = await measure('cli', cliAdd);
    const api = await measure('api', apiAdd);
    return {
      cli_task_to_dispatch_p50_ms: percentile(cli, 50),
      cli_task_to_dispatch_p90_ms: percentile(cli, 90),
      api_task_to_dispatch_p50_ms: percentile(api, 50),
      api_task_to_dispatch_p90_ms: percentile(api, 90),
    };
  } finally {
    rpc?.close();
    await serve.stop();
  }
}
