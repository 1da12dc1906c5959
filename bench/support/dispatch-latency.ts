// What the two task-to-dispatch benches share (dispatch.bench.ts: one console;
// consoles-postgres.bench.ts: a task added on one console, typed by another): a
// scripted agent in a console's tmux server, the console's JSON-RPC, and the
// measurement — for each task, wait for the agent to be idle, add the task, and time
// from the add returning to the prompt visible in the pane.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Session, Task } from '../../src/shared/api.js';
import { REPO_ROOT, type ServeProcess } from '../../test/hostile/serve-process.js';
import { RpcClient } from '../../test/integration/web/console.js';
import { pollUntil } from '../../test/support/poll.js';

const execFileAsync = promisify(execFile);
export const WORKER = 'dev_worker2'; // bug_fix's first preferred session
// Long enough for the console to see the agent working (a turn it never sees stays assigned).
const WORK_MS = 600;
const LIMIT_MS = 60_000;

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface Rpc {
  client: RpcClient;
  call<T>(method: string, params?: unknown): Promise<T>;
}

/** A JSON-RPC client of a running console; a reply with an error throws it. */
export async function rpc(serve: ServeProcess): Promise<Rpc> {
  const client = await RpcClient.open(serve.port, { 'x-architect-token': serve.token });
  const call = async <T>(method: string, params?: unknown): Promise<T> => {
    const reply = await client.call(method, params);
    if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result as T;
  };
  return { client, call };
}

/** The scripted agent (test/support/fake-agent.mjs, named `claude`) in WORKER of the console's tmux server; its pane id. */
export function startWorker(serve: ServeProcess): string {
  const claude = path.join(serve.dir, 'bin', 'claude');
  fs.mkdirSync(path.dirname(claude), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'test/support/fake-agent.mjs'), claude);
  fs.chmodSync(claude, 0o755);
  return serve.tmux.newSession(WORKER, [claude, path.join(serve.dir, 'agent.log'), '--work-ms', String(WORK_MS)]);
}

/** `architect tasks add … --json` as another process, against `db` with `serve`'s config and data folder. */
export async function cliAdd(serve: ServeProcess, db: string, prompt: string): Promise<Task> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/architect.js'), '--config', serve.configDir, '--db', db, 'tasks', 'add', '--type', 'bug_fix', '--title', prompt, '--prompt', prompt, '--json'],
    { env: { ...process.env, ARCHITECT_DATA_DIR: serve.dataDir, ARCHITECT_LOG_LEVEL: 'warn' } },
  );
  return JSON.parse(stdout) as Task;
}

/**
 * Times `tasks` tasks, one after another: wait for WORKER idle on `agents` (the console
 * that sees the pane), add with `add`, and from its return until the prompt shows in
 * `pane` of `agentsServe`'s tmux server; then wait for the task to complete (read on
 * `tasksOn`). Returns the times in ms.
 */
export async function measureDispatch(opts: {
  label: string;
  tasks: number;
  agentsServe: ServeProcess;
  agents: Rpc;
  tasksOn: Rpc;
  pane: string;
  add(prompt: string): Promise<Task>;
}): Promise<number[]> {
  const { agentsServe, agents, tasksOn, pane } = opts;
  const idle = (): Promise<boolean> =>
    pollUntil(`${WORKER} idle`, async () => (await agents.call<{ sessions: Session[] }>('sessions.list')).sessions.some((s) => s.name === WORKER && s.state === 'idle'), { limitMs: LIMIT_MS, intervalMs: 20 });
  const visible = (text: string): Promise<number> =>
    pollUntil(`"${text}" in the pane`, () => (execFileSync('tmux', ['-L', agentsServe.tmux.socket, 'capture-pane', '-p', '-t', pane], { encoding: 'utf8' }).includes(text) ? performance.now() : null), { limitMs: LIMIT_MS, intervalMs: 5 });
  const done = (id: number): Promise<boolean> =>
    pollUntil(`task ${id} completed`, async () => (await tasksOn.call<{ task: Task }>('tasks.get', { id })).task.status === 'completed', { limitMs: LIMIT_MS, intervalMs: 20 });
  const times: number[] = [];
  for (let i = 0; i < opts.tasks; i++) {
    await idle();
    const prompt = `bench ${opts.label} task ${i}`;
    const task = await opts.add(prompt);
    const returned = performance.now();
    times.push((await visible(prompt)) - returned);
    await done(task.id);
  }
  return times;
}
