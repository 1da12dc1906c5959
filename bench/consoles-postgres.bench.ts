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
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Session, Task } from '../src/shared/api.js';
import { REPO_ROOT, startServe, type ServeProcess } from '../test/hostile/serve-process.js';
import { RpcClient } from '../test/integration/web/console.js';
import { pollUntil } from '../test/support/poll.js';
import { postgresMissing, TestPostgres } from '../test/support/postgres.js';

const execFileAsync = promisify(execFile);
const WORKER = 'dev_worker2'; // bug_fix's first preferred session
const WORK_MS = 600;
const LIMIT_MS = 60_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function rpc(serve: ServeProcess): Promise<{ client: RpcClient; call: <T>(method: string, params?: unknown) => Promise<T> }> {
  const client = await RpcClient.open(serve.port, { 'x-architect-token': serve.token });
  const call = async <T>(method: string, params?: unknown): Promise<T> => {
    const reply = await client.call(method, params);
    if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result as T;
  };
  return { client, call };
}

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
    const claude = path.join(b.dir, 'bin', 'claude');
    fs.mkdirSync(path.dirname(claude));
    fs.copyFileSync(path.join(REPO_ROOT, 'test/support/fake-agent.mjs'), claude);
    fs.chmodSync(claude, 0o755);
    const pane = b.tmux.newSession(WORKER, [claude, path.join(b.dir, 'agent.log'), '--work-ms', String(WORK_MS)]);
    const onA = await rpc(a);
    const onB = await rpc(b);
    clients.push(onA.client, onB.client);

    const idle = (): Promise<boolean> =>
      pollUntil(`${WORKER} idle on console B`, async () => (await onB.call<{ sessions: Session[] }>('sessions.list')).sessions.some((s) => s.name === WORKER && s.state === 'idle'), { limitMs: LIMIT_MS, intervalMs: 20 });
    const visible = (text: string): Promise<number> =>
      pollUntil(`"${text}" in B's pane`, () => (execFileSync('tmux', ['-L', b.tmux.socket, 'capture-pane', '-p', '-t', pane], { encoding: 'utf8' }).includes(text) ? performance.now() : null), { limitMs: LIMIT_MS, intervalMs: 5 });
    const done = (id: number): Promise<boolean> =>
      pollUntil(`task ${id} completed`, async () => (await onA.call<{ task: Task }>('tasks.get', { id })).task.status === 'completed', { limitMs: LIMIT_MS, intervalMs: 20 });

    const apiAdd = (prompt: string): Promise<Task> => onA.call<Task>('tasks.create', { type: 'bug_fix', title: prompt, prompt });
    const cliAdd = async (prompt: string): Promise<Task> => {
      const { stdout } = await execFileAsync(
        process.execPath,
        [path.join(REPO_ROOT, 'bin/architect.js'), '--config', a.configDir, '--db', url, 'tasks', 'add', '--type', 'bug_fix', '--title', prompt, '--prompt', prompt, '--json'],
        { env: { ...process.env, ARCHITECT_DATA_DIR: a.dataDir, ARCHITECT_LOG_LEVEL: 'warn' } },
      );
      return JSON.parse(stdout) as Task;
    };
    const measure = async (label: string, add: (prompt: string) => Promise<Task>): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < tasks; i++) {
        await idle();
        const prompt = `bench consoles ${label} task ${i}`;
        const task = await add(prompt);
        const returned = performance.now();
        times.push((await visible(prompt)) - returned);
        await done(task.id);
      }
      return times;
    };
    const api = await measure('api', apiAdd);
    const cli = await measure('cli', cliAdd);
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
