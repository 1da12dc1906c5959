// workflow_step_overhead_ms: what the engine costs per step, persistence included
// (a workflow_steps row begun and finished, the run's current step moved), measured
// on a workflow of no-op function steps against a real SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowsFile } from '../src/main/config/schemas/workflows.js';
import type { ConfigSnapshot } from '../src/main/config/snapshot.js';
import { createLogger } from '../src/main/log/logger.js';
import { openStore } from '../src/main/store/store.js';
import { TaskService } from '../src/main/tasks/service.js';
import { WorkflowEngine } from '../src/main/workflows/engine.js';
import type { FunctionHandler, WorkflowDeps } from '../src/main/workflows/types.js';

const STEPS = 100;
const RUNS_FULL = 20;
const RUNS_QUICK = 3;

const noop: FunctionHandler = {
  async run(input) {
    return { n: input.n };
  },
};

export async function run(opts: { quick?: boolean }): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-wf-'));
  const logger = createLogger({ level: 'error', console: null });
  const store = openStore({ path: path.join(dir, 'bench.db'), logger });
  // Each step reads the previous one's output, so reference resolution is in the figure too.
  const steps = Array.from({ length: STEPS }, (_, i) => ({ id: `s${i}`, type: 'function', function: 'noop', input: { n: i === 0 ? 0 : `\${steps.s${i - 1}.n}` } }));
  const config = {
    version: 'bench',
    workflows: WorkflowsFile.parse({ version: '1', workflows: { noop_chain: { steps } } }),
  } as unknown as ConfigSnapshot;
  const deps: WorkflowDeps = {
    store,
    tasks: new TaskService({ store, config: () => null }),
    config: () => config,
    logger,
    worktreesDir: path.join(dir, 'worktrees'),
    runQuery: async () => [],
    routeTask: async () => ({ queued: 'bench' }),
    sendPrompt: async () => undefined,
    notify: () => undefined,
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  const engine = new WorkflowEngine({ deps, functions: { noop } });
  try {
    await engine.finished(engine.run('noop_chain')); // warm-up: statements prepared, JIT warm
    const runs = opts.quick ? RUNS_QUICK : RUNS_FULL;
    const perStep: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const finished = await engine.finished(engine.run('noop_chain'));
      if (finished.status !== 'completed') throw new Error(`bench run ended ${finished.status}: ${finished.error}`);
      perStep.push((performance.now() - start) / STEPS);
    }
    perStep.sort((a, b) => a - b);
    return { workflow_step_overhead_ms: perStep[Math.floor(perStep.length / 2)] as number };
  } finally {
    await engine.stop();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
