import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowsFile } from '../../../src/main/config/schemas/workflows.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import type { ConfigSnapshot } from '../../../src/main/config/snapshot.js';
import { createLogger } from '../../../src/main/log/logger.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { TaskService } from '../../../src/main/tasks/service.js';
import { WorkflowEngine } from '../../../src/main/workflows/engine.js';
import type { FunctionHandler, Row, WorkflowDeps, WorkflowNotification } from '../../../src/main/workflows/types.js';

// A real SQLite file in a temp folder, a config snapshot built from the schemas, and
// small in-process stand-ins for routing and dispatch that record what they did.

export const QUERIES: Record<string, string> = {
  tasks_by_id: "SELECT id, status, type, (julianday('now') - julianday(created_at)) * 1440 AS elapsed_minutes FROM tasks WHERE id = @id",
  stale_tasks: "SELECT id, assigned_to FROM tasks WHERE status = 'in_progress'",
};

export function snapshot(workflows: unknown, version = 'test-1'): ConfigSnapshot {
  return {
    version,
    env: null,
    dir: '/nonexistent',
    files: [],
    loadedAt: new Date(0).toISOString(),
    sla: SlaFile.parse({ version: '1', sla_targets: { bug_fix: { target_minutes: 30 }, feature_development: { target_minutes: 240 } } }),
    routing: RoutingFile.parse({
      version: '1',
      environment_routing: {
        bug_fix: { preferred_sessions: ['dev_worker1'], urgent: true, priority: 9 },
        feature_development: { preferred_sessions: ['dev_worker1', 'dev_worker2'], requires_env: true, port_range: [43100, 43199], merge_via_pr: true },
      },
    }),
    ui: {} as ConfigSnapshot['ui'],
    queries: { version: '1', queries: {} } as unknown as ConfigSnapshot['queries'],
    workflows: WorkflowsFile.parse({ version: '1', workflows }),
    agents: null,
    routingTests: [],
  };
}

export interface Harness {
  dir: string;
  store: Store;
  deps: WorkflowDeps;
  prompts: { session: string; text: string }[];
  notified: WorkflowNotification[];
  routed: { taskId: number; toSession?: string }[];
  engine(functions?: Record<string, FunctionHandler>): WorkflowEngine;
  setConfig(c: ConfigSnapshot): void;
  close(): Promise<void>;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function harness(workflows: unknown, opts: { dbPath?: string; sessions?: string[] } = {}): Harness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-wf-'));
  const logger = createLogger({ level: 'error', console: null });
  const store = openStore({ path: opts.dbPath ?? path.join(dir, 'architect.db'), logger });
  let config = snapshot(workflows);
  const prompts: Harness['prompts'] = [];
  const notified: WorkflowNotification[] = [];
  const routed: Harness['routed'] = [];
  const sessions = opts.sessions ?? ['dev_worker1'];
  const engines: WorkflowEngine[] = [];
  const deps: WorkflowDeps = {
    store,
    tasks: new TaskService({ store, config: () => config }),
    config: () => config,
    logger,
    worktreesDir: path.join(dir, 'worktrees'),
    async runQuery(name, params) {
      const sql = QUERIES[name];
      if (!sql) throw new Error(`no query ${name}`);
      return store.reader.prepare(sql).all(params) as Row[];
    },
    async routeTask(taskId, { toSession }) {
      routed.push({ taskId, ...(toSession ? { toSession } : {}) });
      const session = toSession ?? sessions[0];
      if (!session) return { queued: 'no session available' };
      store.writer.prepare("UPDATE tasks SET status = 'assigned', assigned_to = ? WHERE id = ?").run(session, taskId);
      return { sessionName: session };
    },
    async sendPrompt(session, text) {
      prompts.push({ session, text });
    },
    notify(n) {
      notified.push(n);
    },
    now: () => new Date(),
    sleep: abortableSleep,
  };
  return {
    dir,
    store,
    deps,
    prompts,
    notified,
    routed,
    engine(functions) {
      const e = new WorkflowEngine({ deps, functions });
      engines.push(e);
      return e;
    },
    setConfig(c) {
      config = c;
    },
    async close() {
      for (const e of engines) await e.stop();
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function count(store: Store, sql: string, ...args: unknown[]): number {
  return store.reader.prepare(sql).pluck().get(...args) as number;
}
