import type { Alert, CommandParams, CommandResult, Session } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import { SlaWatcher } from '../alerts/sla-watcher.js';
import { localSlaQueue } from '../alerts/sla-queue.js';
import { Assigner, type Deliver } from '../assigner/assigner.js';
import { expandProviders } from '../routing/providers.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { ConfigService } from '../config/service.js';
import { deliverPrompt, runTmux } from '../dispatch/deliver.js';
import { LimitResumer } from '../sessions/limit-resumer.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { METRICS_CONTENT_TYPE, renderMetrics, type MetricsSources } from '../metrics/prometheus.js';
import type { AssignmentLatency } from '../metrics/assignment-latency.js';
import type { QueryService } from '../queries/service.js';
import { routingHttpRoutes } from '../routing/http.js';
import { classify } from '../sessions/classify.js';
import { compileManifests, type CompiledManifests } from '../sessions/manifests.js';
import { RouteOutcomeReads } from '../store/route-outcome.js';
import { WriteWorker } from '../store/write-worker.js';
import type { Store } from '../store/store.js';
import type { TaskService } from '../tasks/service.js';
import type { HttpRoute } from '../web/server.js';
import type { EscalationStep } from '../sla/escalate.js';
import type { SlaTaskFacts } from '../sla/evaluate.js';
import { SLA_BY_TYPE_QUERY } from '../sla/sla-sql.js';
import type { SlaGroupRow } from '../store/sla-reads.js';
import type { SessionsFeature } from './sessions.js';

type Names = 'route.dryRun' | 'alerts.list' | 'alerts.ack';
type Commands = { [N in Names]: (p: CommandParams<N>) => CommandResult<N> };

export interface RoutingFeature {
  commands: Commands;
  routes: HttpRoute[];
  /** Something changed that may let a task move (new task, idle session, reload). */
  kick(): void;
  /** A task's highlight_task color now (computed when the row is read). */
  highlightOf(task: SlaTaskFacts): string | null;
  /** Route one task now (workflows): the session it went to, or why it stays queued. */
  routeTask(taskId: number, o: { urgent?: boolean; toSession?: string }): Promise<{ sessionName: string } | { queued: string }>;
  /** Type a prompt into a session's pane (workflows' send_prompt). */
  sendPrompt(sessionName: string, text: string): Promise<void>;
  /** Types a task's prompt into a session's pane and checks the agent took it (the shared queue's assigner uses it too). */
  deliver: Deliver;
  /** Queue-to-claim times served by /metrics (a console on a shared queue hands it to the shared queue's assigner). */
  latency: AssignmentLatency;
  /** A console on a shared queue: /metrics counts the tasks there, not in its own (empty) file. */
  countTasksIn(read: () => Promise<NonNullable<MetricsSources['tasks']>>): void;
  /** Push an already stored notification to its channel. */
  notify(n: { channel: string; message: string; taskId: number | null; source: string }): void;
  stop(): Promise<void>;
}

/**
 * The assigner (routing decisions applied, prompts dispatched, the task lifecycle
 * followed from the agents' states), the SLA watcher (escalations, alerts), and the
 * seed's routing service and metrics over HTTP.
 */
export function setupRouting(opts: {
  store: Store;
  /** The task core the assigner's lifecycle and SLA reassigns go through. */
  tasks: TaskService;
  config: ConfigService;
  sessions: SessionsFeature;
  queries: QueryService;
  bus: EventBus;
  log: Logger;
  notify?: (title: string, body: string) => void;
  /** Where SLA alerts go (the attention outbox, with notifications.yaml's channels). */
  slaAlert?: (alert: Alert, step: EscalationStep) => void;
  /** false: watch and decide, but never type into a pane (`serve --no-dispatch`). */
  dispatch: boolean;
  /** false: the tasks live on a shared queue whose own assigner routes them (shared-queue.ts); this one never starts. */
  localAssigner?: boolean;
  /** false: the tasks live on a shared queue whose own SLA watch reads them (shared-routing.ts); this one never starts (its alerts are the same table). */
  localSlaWatch?: boolean;
  /**
   * The assigner and the SLA watcher start once this resolves: the config indexes being
   * built in a worker hold SQLite's write lock meanwhile, and a round would fail on it.
   */
  indexesReady?: Promise<void>;
  tasksChanged: () => void;
}): RoutingFeature {
  const { store } = opts;
  const log = opts.log.child({ component: 'routing' });
  /** The config with supported_providers' provider names (agents.yaml `provider:`) read as the agents they stand for. */
  const snapshotForRouting = (): ConfigSnapshot | null => {
    const s = opts.config.snapshot();
    if (!s) return s;
    const routing = expandProviders(s.routing, s.agents);
    return routing === s.routing ? s : { ...s, routing };
  };

  let manifests: { version: string; compiled: CompiledManifests } | null = null;
  const manifestsNow = (): CompiledManifests | null => {
    const snapshot = opts.config.snapshot();
    if (!snapshot?.agents) return null;
    if (manifests?.version !== snapshot.version) manifests = { version: snapshot.version, compiled: compileManifests(snapshot.agents) };
    return manifests.compiled;
  };
  const deliver = async (session: Session, prompt: string) => {
    if (!opts.dispatch) return { outcome: 'failed' as const, reason: 'this console does not dispatch (--no-dispatch)', enterPresses: 0 };
    const agent = manifestsNow()?.byName.get(session.agent);
    if (!agent) return { outcome: 'failed' as const, reason: `no detection rules for agent "${session.agent}"`, enterPresses: 0 };
    const server = opts.sessions.server(session.server);
    if (!server) return { outcome: 'failed' as const, reason: `tmux server "${session.server}" is no longer watched`, enterPresses: 0 };
    return deliverPrompt(server, { name: session.name, paneId: session.paneId }, prompt, {
      classify: (screen) => classify({ lines: screen.split('\n'), title: '' }, agent).state,
      // The monitor's control client of that server: no tmux process per capture or key press.
      commander: () => opts.sessions.monitor?.commander(server) ?? null,
    });
  };

  // Timed-out tasks (~45k at the start on the 1M seed) are given back by a worker
  // thread's connection, not by the rounds on this thread (assigner/recovery.ts).
  const writeWorker = new WriteWorker({ dbPath: store.path, nativeBinding: store.nativeBinding, gate: store.writeGate });
  const assigner = new Assigner({
    writeWorker,
    store,
    getSnapshot: snapshotForRouting,
    getSessions: () => opts.sessions.list(),
    deliver,
    logger: log,
    onChange: opts.tasksChanged,
    tasks: opts.tasks,
  });
  // Without dispatch the assigner is not started: nothing is claimed or typed, and
  // dry runs, the SLA watch and alerts still work (a second console on a fleet).
  let stopAssigner: () => Promise<void> = async () => undefined;
  let stopWatcher: () => void = () => undefined;
  let stopped = false;
  // Opt-in per agent (agents.yaml resume_after_limit): "continue" once a usage limit resets.
  const resumer = new LimitResumer({
    resumeText: (agent) => {
      const opt = opts.config.snapshot()?.agents?.agents[agent]?.resume_after_limit;
      if (!opt) return null;
      return opt === true ? 'continue' : opt.text;
    },
    current: () => opts.sessions.list(),
    send: (session, text) => resumeAfterLimit(session, text),
    record: (d) => store.decisions.append({ kind: 'limit_resume', sessionId: d.session, decision: d.decision, reason: d.reason, at: d.at }),
    logger: log,
  });
  /** The limit screen has the agent's input box: its text goes in like a task's prompt (a limit dialog is closed first). */
  const resumeAfterLimit = async (session: Session, text: string): Promise<{ ok: boolean; reason: string }> => {
    if (!opts.dispatch) return { ok: false, reason: 'this console does not dispatch (--no-dispatch)' };
    const agent = manifestsNow()?.byName.get(session.agent);
    const server = opts.sessions.server(session.server);
    if (!agent || !server) return { ok: false, reason: `${session.name} is no longer watched` };
    const screen = await runTmux(server, ['capture-pane', '-p', '-t', session.paneId]);
    if (/What do you want to do\?|Keep trying/.test(screen)) {
      await runTmux(server, ['send-keys', '-t', session.paneId, 'Escape']);
      await new Promise((r) => setTimeout(r, 500));
    }
    const result = await deliverPrompt(server, { name: session.name, paneId: session.paneId }, text, {
      // The limit notice stays on screen above the input box: there, it means "takes input".
      classify: (s) => {
        const c = classify({ lines: s.split('\n'), title: '' }, agent);
        return c.state === 'error' && c.reason === 'limit' ? 'idle' : c.state;
      },
    });
    return { ok: result.outcome === 'taken', reason: result.reason };
  };
  const offSessions = opts.sessions.onChange((sessions, transitions) => {
    assigner.onSessions(sessions, transitions);
    resumer.onSessions(sessions);
  });
  const offConfig = opts.config.subscribe(() => assigner.kick());

  let pendingAlert: Alert | null = null;
  let alertEmitScheduled = false;
  const watcher = new SlaWatcher({
    store,
    // The start-up pass's grouped count of every open task, in a reader process.
    queue: localSlaQueue(store, opts.tasks, async (sql, params) => (await opts.queries.readInternal('sla start-up pass', sql, params, SLA_GROUPS_TIMEOUT_MS)) as unknown as SlaGroupRow[]),
    getSnapshot: snapshotForRouting,
    logger: log,
    notify: opts.notify,
    send: opts.slaAlert,
    // A pass may raise thousands of alerts on a backlog: clients hear once per tick.
    onAlert: (alert) => {
      pendingAlert = alert;
      if (alertEmitScheduled) return;
      alertEmitScheduled = true;
      setImmediate(() => {
        alertEmitScheduled = false;
        const latest = pendingAlert;
        pendingAlert = null;
        opts.bus.emit('alerts.changed', { open: watcher.alerts.countOpen(), latest: latest ? latest : null });
      });
    },
    onReassign: () => {
      opts.tasksChanged();
      assigner.kick();
    },
  });
  void (opts.indexesReady ?? Promise.resolve()).then(() => {
    if (stopped) return;
    if (opts.dispatch && opts.localAssigner !== false) stopAssigner = assigner.start();
    if (opts.localSlaWatch !== false) stopWatcher = watcher.start();
  });
  // Woken by its own timer at the next level crossing, and by changes: a task's status
  // (whoever wrote it: tasks.changed follows external writes too) or a config reload.
  const offTasksForSla = opts.bus.on('tasks.changed', () => watcher.kick());
  const offConfigForSla = opts.config.subscribe(() => watcher.kick());

  const sessionNamed = (name: string): Session => {
    const s = opts.sessions.list().find((x) => x.name === name);
    if (!s) throw new Error(`no session named "${name}" is running`);
    return s;
  };
  const routeOutcome = new RouteOutcomeReads(store.reader);
  let sharedTasks: (() => Promise<NonNullable<MetricsSources['tasks']>>) | null = null;

  return {
    commands: {
      'route.dryRun': () => {
        const snapshot = opts.config.snapshot();
        if (!snapshot) throw new ApiError('unavailable', 'no valid configuration is loaded: fix the problems listed under Config');
        return { decisions: assigner.dryRun(expandProviders(snapshot.routing, snapshot.agents), opts.sessions.list()) };
      },
      'alerts.list': (p) => ({ alerts: watcher.alerts.list({ includeAcknowledged: p.includeAcknowledged, limit: p.limit }) }),
      'alerts.ack': (p) => {
        watcher.alerts.acknowledge(p.id); // an unknown alert is a UserError (invalid_params)
        const latest = watcher.alerts.latestOpen();
        opts.bus.emit('alerts.changed', { open: watcher.alerts.countOpen(), latest: latest ? latest : null });
        return { ok: true };
      },
    },
    routes: [
      ...routingHttpRoutes({ snapshot: snapshotForRouting, sessions: () => opts.sessions.list() }),
      {
        method: 'GET',
        match: (p) => (p === '/metrics' ? {} : null),
        handle: async () => ({
          status: 200,
          contentType: METRICS_CONTENT_TYPE,
          body: renderMetrics(store, opts.sessions.list(), new Map(opts.queries.list().map((q) => [q.name, q.stats])), {
            sla: await slaLevels(opts.queries),
            latency: assigner.latency,
            tasks: sharedTasks ? await sharedTasks() : undefined,
          }),
        }),
      },
    ],
    // The SLA watcher has its own 5 s pass; a new task has nothing to escalate yet.
    kick: () => assigner.kick(),
    latency: assigner.latency,
    countTasksIn: (read) => {
      sharedTasks = read;
    },
    highlightOf: (task) => watcher.highlightOf(task),
    routeTask: async (taskId, o) => {
      if (o.urgent && !o.toSession) {
        // Urgent (route_task_to_session's `urgent: true`): ahead of the queue. The task
        // core marks it; the assigner's next round routes it before every task that is
        // not urgent (now, if a session it may go to is idle; else the first to be).
        if (opts.tasks.markUrgent(taskId, 'a workflow', new Date())) opts.tasksChanged();
      } else if (o.toSession) {
        // Taken back from another session if one holds it, then given to this one only.
        const sent = opts.tasks.sendTo(taskId, o.toSession, { kind: 'route', who: 'a workflow' }, new Date());
        if (sent.outcome === 'refused') return { queued: `not sent to ${o.toSession}: ${sent.reason}` };
        if (sent.outcome === 'sent') opts.tasksChanged();
      }
      assigner.kick();
      await assigner.settled();
      const session = routeOutcome.heldBy(taskId);
      if (session) return { sessionName: session };
      return { queued: routeOutcome.lastDecisionReason(taskId) ?? 'waiting for an idle session' };
    },
    deliver,
    sendPrompt: async (sessionName, text) => {
      const result = await deliver(sessionNamed(sessionName), text);
      if (result.outcome !== 'taken') throw new Error(`prompt not taken by ${sessionName}: ${result.reason}`);
    },
    notify: (n) => {
      log.info(`notification: ${n.message}`, { channel: n.channel, source: n.source });
      if (n.channel === 'desktop') opts.notify?.('Architect', n.message);
      if (n.channel !== 'dashboard') return;
      const latest = watcher.alerts.latestOpen();
      opts.bus.emit('alerts.changed', { open: watcher.alerts.countOpen(), latest: latest ? latest : null });
    },
    stop: async () => {
      offSessions();
      resumer.stop();
      offConfig();
      offTasksForSla();
      offConfigForSla();
      stopped = true;
      stopWatcher();
      await stopAssigner();
      writeWorker.stop();
    },
  };
}

/** The SLA start-up pass's grouped count reads every open task once: minutes would mean something is wrong. */
const SLA_GROUPS_TIMEOUT_MS = 120_000;

/** Open tasks by SLA level for /metrics, counted in SQL by a reader (sla_by_type); undefined when it cannot be read. */
async function slaLevels(queries: QueryService): Promise<{ ok: number; warning: number; critical: number } | undefined> {
  if (!queries.has(SLA_BY_TYPE_QUERY)) return undefined;
  try {
    const { results } = await queries.run(SLA_BY_TYPE_QUERY);
    const sum = { ok: 0, warning: 0, critical: 0 };
    for (const r of results) for (const level of ['ok', 'warning', 'critical'] as const) sum[level] += Number(r[level] ?? 0);
    return sum;
  } catch {
    return undefined;
  }
}
