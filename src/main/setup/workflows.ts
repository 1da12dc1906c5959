import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CommandParams, CommandResult, WorkflowRun as ApiRun } from '../../shared/api.js';
import type { ConfigService } from '../config/service.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { QueryService } from '../queries/service.js';
import type { Store } from '../store/store.js';
import type { TaskService } from '../tasks/service.js';
import { fromSqlTime } from '../store/time.js';
import { WorkflowEngine } from '../workflows/engine.js';
import type { SharedWorkflowTasks } from '../workflows/shared-tasks.js';
import type { WorkflowDeps } from '../workflows/types.js';
import type { WorkflowRun } from '../store/workflow-runs.js';
import type { RoutingFeature } from './routing.js';
import type { AttentionEvent } from '../notifications/event.js';
import type { HttpRoute } from '../web/server.js';
import { fireEvent, workflowTriggerRoutes, type WorkflowEvent } from '../workflows/triggers.js';

type Names = 'workflows.list' | 'workflows.runs' | 'workflows.getRun' | 'workflows.start' | 'workflows.cancel';
type Commands = { [N in Names]: (p: CommandParams<N>) => CommandResult<N> | Promise<CommandResult<N>> };

const toApiRun = (r: WorkflowRun): ApiRun => ({
  id: r.id,
  workflow: r.workflow,
  status: r.status,
  trigger: r.trigger,
  currentStep: r.currentStep,
  startedAt: fromSqlTime(r.startedAt),
  finishedAt: fromSqlTime(r.finishedAt),
  error: r.error,
  input: r.input,
});

/** The workflow engine, with its I/O wired to the real routing, dispatch, queries and alerts. */
export async function setupWorkflows(opts: {
  store: Store;
  tasks: TaskService;
  config: ConfigService;
  queries: QueryService;
  routing: RoutingFeature;
  bus: EventBus;
  log: Logger;
  dataDir: string;
  /** Published attention events (tasks, agents, SLA), for event triggers. */
  onAttentionEvent?: (listener: (event: AttentionEvent) => void) => () => void;
  /**
   * On a shared PostgreSQL queue: its tasks, once the queue is up. Runs are driven (and
   * resumed) only from then on, their task writes, reads and route steps there.
   */
  sharedTasks?: Promise<SharedWorkflowTasks>;
}): Promise<{ engine: WorkflowEngine; commands: Commands; routes: HttpRoute[]; stop(): Promise<void> }> {
  const deps: WorkflowDeps = {
    store: opts.store,
    tasks: opts.tasks,
    config: () => {
      const s = opts.config.snapshot();
      if (!s) throw new Error('no valid configuration is loaded');
      return s;
    },
    runQuery: async (name, params) => (await opts.queries.run(name, params)).results,
    routeTask: (taskId, o) => opts.routing.routeTask(taskId, o),
    sendPrompt: (session, text) => opts.routing.sendPrompt(session, text),
    notify: (n) => opts.routing.notify({ channel: n.channel, message: n.message, taskId: n.taskId, source: `workflow run ${n.runId}` }),
    now: () => new Date(),
    sleep: (ms, signal) => delay(ms, undefined, { signal }),
    logger: opts.log.child({ component: 'workflows' }),
    worktreesDir: path.join(opts.dataDir, 'worktrees'),
  };
  const engine = new WorkflowEngine({ deps, waitForStart: opts.sharedTasks !== undefined });
  let stopped = false;
  let stopEngine: () => Promise<void> = async () => undefined;
  if (opts.sharedTasks) {
    void opts.sharedTasks.then((shared) => {
      if (stopped) return;
      deps.sharedTasks = shared;
      deps.routeTask = (taskId, o) => shared.route(taskId, o);
      stopEngine = engine.start();
    });
  } else stopEngine = engine.start();
  const off = engine.onRunChanged((run) => opts.bus.emit('workflows.changed', { runId: run.id, status: run.status }));

  // Event triggers: Architect's own events start the workflows that name them.
  const log = opts.log.child({ component: 'workflows' });
  const fire = (e: Parameters<typeof fireEvent>[2]): void => void fireEvent(engine, opts.config.snapshot(), e, log);
  const offAttention =
    opts.onAttentionEvent?.((e) => {
      fire({
        event: e.event as WorkflowEvent,
        session: e.session ? { id: e.session.id, name: e.session.name, agent: e.session.agent, state: e.session.state } : null,
        task: e.task ? { id: e.task.id, type: e.task.type, title: e.task.title } : null,
        level: e.level,
        message: e.message,
        reason: e.reason,
      });
    }) ?? (() => undefined);
  const offTransitions = opts.bus.on('sessions.transition', (t) => {
    if (t.to !== 'idle' && t.to !== 'working') return;
    const session = opts.store.sessions.get(t.sessionId);
    fire({ event: t.to === 'idle' ? 'agent_idle' : 'agent_working', session: { id: t.sessionId, name: session?.name ?? t.sessionId, state: t.to }, reason: t.reason ?? null });
  });
  let lastVersion = opts.config.snapshot()?.version ?? null;
  const offConfig = opts.bus.on('config.changed', (status) => {
    const version = status.version ?? null;
    if (version === null || version === lastVersion) return;
    lastVersion = version;
    fire({ event: 'config_applied', version, message: `config ${version} applied` });
  });
  return {
    engine,
    commands: {
      'workflows.list': () => ({
        workflows: Object.entries(opts.config.snapshot()?.workflows.workflows ?? {}).map(([name, w]) => ({
          name,
          description: w.description,
          trigger: w.trigger.type,
          steps: w.steps.map((s) => ({ id: s.id ?? '', type: s.type })),
        })),
      }),
      'workflows.runs': (p) => ({ runs: engine.runsList(p.limit).map(toApiRun) }),
      // An unknown workflow or run is a UserError: the API answers invalid_params itself.
      'workflows.getRun': (p) => {
        const { run, steps } = engine.show(p.id);
        return { run: toApiRun(run), steps: steps.map((s) => ({ ...s, startedAt: fromSqlTime(s.startedAt), finishedAt: fromSqlTime(s.finishedAt) })) };
      },
      'workflows.start': (p) => ({ runId: engine.run(p.name, p.input, 'api') }),
      'workflows.cancel': (p) => (engine.cancel(p.id), { ok: true as const }),
    },
    routes: workflowTriggerRoutes({ engine, config: () => opts.config.snapshot(), log }),
    stop: async () => {
      off();
      offAttention();
      offTransitions();
      offConfig();
      stopped = true;
      await stopEngine();
    },
  };
}
