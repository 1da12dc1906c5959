import fs from 'node:fs';
import path from 'node:path';
import type { Session } from '../../src/shared/api.js';
import { startTestConsole, type TestConsole } from '../integration/web/console.js';
import { pollUntil } from './poll.js';
import { installFakeClaude } from './processes.js';

// A real console (core + web server, a copy of the shipped config, a private tmux
// server) for workflow tests, with what they all do to it: change its config on disk
// and wait until the console runs the new one, read the notifications its runs wrote,
// list runs, and start a scripted agent in its tmux server.

/** Generous: the console runs from the TypeScript sources on a loaded machine. */
export const LIMIT_MS = 60_000;


export type WorkflowRun = { id: number; workflow: string; trigger: string; status: string; input: Record<string, unknown>; error: string | null };
export type RunDetail = { run: WorkflowRun; steps: { step: string; status: string; output: unknown }[] };

export interface WorkflowConsole extends TestConsole {
  /** Calls `probe` until it gives a truthy value (which it returns); throws after `timeoutMs`. */
  until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs?: number): Promise<T>;
  /** Appends to a file of config/base/ and waits until the console runs that config (throws its problems if refused). */
  changeConfig(file: string, yaml: string): Promise<void>;
  /** Appends workflows (YAML under `workflows:`) to workflows.yaml, as changeConfig. */
  addWorkflows(yaml: string): Promise<void>;
  /** Every notification's message (acknowledged or not), newest first. */
  messages(): string[];
  runsOf(workflow: string): WorkflowRun[];
  run(id: number): RunDetail;
  /** A scripted agent (test/support/fake-agent.mjs as `claude`) in its own tmux session NAME; resolves once the console reads it idle. Returns its prompt log. */
  startAgent(name: string, args?: string[]): Promise<string>;
  /** The console's sessions now. */
  sessions(): Session[];
}

/** Workflows of one notification step each: `[name, trigger YAML, message]`. */
export function notifyingWorkflows(list: ReadonlyArray<readonly [string, string, string]>): string {
  return list.map(([name, trigger, message]) => `  ${name}:\n    trigger: ${trigger}\n    steps:\n      - id: "say"\n        type: "notification"\n        channel: "dashboard"\n        message: "${message}"\n`).join('');
}

export async function startWorkflowConsole(): Promise<WorkflowConsole> {
  const c = await startTestConsole({ copyConfig: true });
  const h = c.core.handlers;
  const until = <T>(what: string, probe: () => T | null | undefined | false, timeoutMs = LIMIT_MS): Promise<T> => pollUntil(what, probe, { limitMs: timeoutMs, intervalMs: 50 });
  const changeConfig = async (name: string, yaml: string): Promise<void> => {
    const file = path.join(c.configDir, 'base', name);
    const before = (h['config.status']({}) as unknown as { version: string | null }).version;
    fs.appendFileSync(file, yaml);
    await until('the new config', () => {
      const s = h['config.status']({}) as unknown as { ok: boolean; version: string | null; errors: { message: string }[] };
      if (!s.ok && s.errors.length) throw new Error(s.errors.map((p) => p.message).join('; '));
      return s.ok && s.version !== before;
    });
  };
  const sessions = (): Session[] => (h['sessions.list']({}) as unknown as { sessions: Session[] }).sessions;
  let agents = 0;
  return Object.assign(c, {
    until,
    changeConfig,
    addWorkflows: (yaml: string) => changeConfig('workflows.yaml', yaml),
    messages: () => (h['alerts.list']({ includeAcknowledged: true, limit: 1000 }) as unknown as { alerts: { message: string }[] }).alerts.map((a) => a.message),
    runsOf: (workflow: string) => (h['workflows.runs']({ limit: 1000 }) as unknown as { runs: WorkflowRun[] }).runs.filter((r) => r.workflow === workflow),
    run: (id: number) => h['workflows.getRun']({ id }) as unknown as RunDetail,
    sessions,
    async startAgent(name: string, args: string[] = []): Promise<string> {
      const claude = installFakeClaude(c.dir);
      const log = path.join(c.dir, `agent-${++agents}.log`);
      c.tmux.newSession(name, [claude, log, ...args]);
      await until(`${name} idle in the console`, () => sessions().some((s) => s.name === name && s.agent === 'claude' && s.state === 'idle'));
      return log;
    },
  });
}

/** The prompts an agent started by startAgent was given, in order. */
export function promptsIn(log: string): string[] {
  if (!fs.existsSync(log)) return [];
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string);
}
