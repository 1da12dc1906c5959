// Every way a task comes in reaches the same running console: `architect serve` as a
// real process on a private tmux server, an idle scripted agent (an executable named
// `claude`, so it is identified by its process), and a task added by the CLI as a
// separate process, or through the console's JSON-RPC API. Each must reach the agent's
// pane and complete without anything else waking the assigner.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, Task } from '../../../src/shared/api.js';
import { REPO_ROOT, startServe, type ServeProcess } from '../../hostile/serve-process.js';
import { pollUntil } from '../../support/poll.js';
import { installFakeClaude } from '../../support/processes.js';
import { RpcClient } from '../web/console.js';

const run = promisify(execFile);
/** bug_fix prefers dev_worker2 (config/base/routing_rules.yaml). */
const WORKER = 'dev_worker2';
const WORK_MS = 300;
/** Generous: the console and the CLI run from the TypeScript sources on a loaded machine. */
const LIMIT_MS = 60_000;

let serve: ServeProcess;
let rpc: RpcClient;
let agentLog: string;

async function call<T>(method: string, params?: unknown): Promise<T> {
  const reply = await rpc.call(method, params);
  if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
  return reply.result as T;
}

/** `architect tasks add` as the operator types it: its own process, its own connection. */
async function cliAdd(title: string, prompt: string): Promise<Task> {
  const { stdout } = await run(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/architect.js'), '--config', serve.configDir, '--db', serve.dbPath, 'tasks', 'add', '--type', 'bug_fix', '--title', title, '--prompt', prompt, '--json'],
    { env: { ...process.env, ARCHITECT_DATA_DIR: serve.dataDir, ARCHITECT_FROM_SOURCE: '1', ARCHITECT_LOG_LEVEL: 'warn' } },
  );
  return JSON.parse(stdout) as Task;
}

function promptsTyped(): string[] {
  return fs.existsSync(agentLog) ? fs.readFileSync(agentLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string) : [];
}

async function completed(id: number): Promise<Task> {
  return pollUntil(`task ${id} completed`, async () => {
    const { task } = await call<{ task: Task }>('tasks.get', { id });
    return task.status === 'completed' ? task : null;
  }, { limitMs: LIMIT_MS, intervalMs: 100 });
}

beforeAll(async () => {
  serve = await startServe();
  const claude = installFakeClaude(serve.dir);
  agentLog = path.join(serve.dir, 'agent.log');
  serve.tmux.newSession(WORKER, [claude, agentLog, '--work-ms', String(WORK_MS)]);
  rpc = await RpcClient.open(serve.port, { 'x-architect-token': serve.token });
  await pollUntil(`${WORKER} idle in the console`, async () => {
    const { sessions } = await call<{ sessions: Session[] }>('sessions.list');
    return sessions.some((s) => s.name === WORKER && s.agent === 'claude' && s.state === 'idle');
  }, { limitMs: LIMIT_MS, intervalMs: 200 });
}, LIMIT_MS * 2);

afterAll(async () => {
  rpc?.close();
  await serve?.stop();
});

describe('a task reaches an idle agent from every way in, with the console running', () => {
  let fromCli: Task;
  let fromApi: Task;

  it('from `architect tasks add` (another process): typed into the pane, then completed', async () => {
    const prompt = 'cli: fix the login crash';
    fromCli = await cliAdd('Login crash (CLI)', prompt);
    expect(fromCli.status).toBe('pending');
    await pollUntil('the CLI task typed into the pane', () => promptsTyped().includes(prompt), { limitMs: LIMIT_MS, intervalMs: 100 });
    const done = await completed(fromCli.id);
    expect(done.assignedTo).toBe(WORKER);
  }, LIMIT_MS * 2);

  it('from the console API (tasks.create): typed into the pane, then completed', async () => {
    const prompt = 'api: fix the logout crash';
    fromApi = await call<Task>('tasks.create', { type: 'bug_fix', title: 'Logout crash (API)', prompt });
    await pollUntil('the API task typed into the pane', () => promptsTyped().includes(prompt), { limitMs: LIMIT_MS, intervalMs: 100 });
    const done = await completed(fromApi.id);
    expect(done.assignedTo).toBe(WORKER);
    expect(promptsTyped()).toEqual(['cli: fix the login crash', prompt]);
  }, LIMIT_MS * 2);

  it('gets the same priority either way: the bug_fix rule\'s (routing_rules.yaml)', () => {
    expect(fromCli.priority).toBe(9);
    expect(fromApi.priority).toBe(fromCli.priority);
  });
});
