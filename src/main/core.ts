// The core: every subsystem, started in dependency order, behind the one contract.
// Both composition roots (Electron's index.ts and the web console's web.ts) and the
// tests start it the same way. It reads like the architecture: store → queries →
// config → sessions → tasks → routing and SLA → workflows → handlers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isEventName, type AppInfo, type Handlers } from '../shared/api.js';
import { ApiError, echo, missingHandlers } from './api/dispatch.js';
import { EventBus } from './events/bus.js';
import type { Logger } from './log/logger.js';
import { watchdog } from './log/watchdog.js';
import { installSpawner, Spawner } from './tmux/spawner.js';
import { ensurePrivateDir, projectRoot } from './paths.js';
import type { HttpRoute } from './web/server.js';
import { loadValidators } from './config/validators.js';
import { setupConfig } from './setup/config.js';
import type { ConfigService } from './config/service.js';
import { setupStore } from './setup/store.js';
import { setupQueries, type QueriesFeature } from './setup/queries.js';
import type { Store } from './store/store.js';
import { keepCurrentTasks } from './store/current-tasks.js';
import { setupSessions } from './setup/sessions.js';
import { setupTasks } from './setup/tasks.js';
import { TaskService, taskDefaults } from './tasks/service.js';
import { consumesOnly } from './tasks/writes.js';
import { SharedWorkflowTasks } from './workflows/shared-tasks.js';
import { setupProjectsAndErrors } from './setup/projects.js';
import { setupRouting } from './setup/routing.js';
import { setupWorkflows } from './setup/workflows.js';
import { setupAttention } from './setup/attention.js';
import { setupTables } from './setup/tables.js';
import { sharedAttentionTasks, startSharedQueue } from './setup/shared-queue.js';
import { setupSharedTasks } from './setup/shared-tasks.js';
import { setupSharedRouting, startSharedSlaWatch } from './setup/shared-routing.js';
import { expandProviders } from './routing/providers.js';
import type { PostgresTarget } from './store/postgres/url.js';
import { openPool } from './store/postgres/pool.js';
import { DEFAULT_READERS } from './queries/reader-pool.js';
import { PostgresReaders } from './queries/shared-queue.js';
import type { SharedQueryEngine } from './queries/service.js';
import { globalsQueueHost } from './tmux/host-name.js';

export interface CoreOptions {
  configDir: string;
  dbPath: string;
  dataDir: string;
  env: string | null;
  tmuxSockets: string[];
  log: Logger;
  runtime: 'electron' | 'node';
  transport: AppInfo['transport'];
  /** Desktop notifications, where the runtime has them (Electron); the target is what a click opens. */
  notify?: (title: string, body: string, target?: { sessionId: string | null; taskId: number | null }) => void;
  /** Watch the default tmux server too (tests turn it off to stay on their private server). */
  watchDefaultTmux?: boolean;
  /** Hand tasks to idle agents (on by default; `architect serve --no-dispatch` watches only). */
  dispatch?: boolean;
  /** Clients may look but change nothing (`architect serve --read-only`). */
  readOnly?: boolean;
  /** better-sqlite3 built for Electron's ABI, when running in Electron. */
  nativeBinding?: string;
  /**
   * A queue shared with other consoles (`serve --db postgres://…`): tasks, their history,
   * dependencies and decisions live there and are routed by the shared queue's assigner;
   * `dbPath` is then this console's own SQLite file (sessions, attention, notifications).
   */
  sharedQueue?: PostgresTarget;
  /**
   * With `sharedQueue`: the name this machine's local tmux sessions carry on it (`HOST:w1`);
   * ARCHITECT_HOST_NAME or the short host name (globalsQueueHost) when absent.
   */
  queueHost?: string;
  /**
   * Called once the database is open, migrated and this console holds its lock, before
   * anything else starts (the web console listens here: its URL means the lock is held,
   * and `/healthz` answers "starting" while the rest starts). A throw stops the start.
   */
  afterStore?: () => Promise<void>;
  /** Stalls of the main thread longer than this are logged with what ran (STALL_THRESHOLD_MS; ARCHITECT_STALL_LOG_MS). */
  stallLogMs?: number;
}

export interface Core {
  handlers: Handlers;
  bus: EventBus;
  info: AppInfo;
  /** Token-guarded HTTP routes for the web console (query and routing services, metrics). */
  routes: HttpRoute[];
  /** The URL the console is served on, for links in notifications (notifications.yaml console_url wins). */
  setConsoleUrl(url: string): void;
  /** The config in force, and each new one as it is swapped in (the desktop app's HTTP services follow servers.yaml's http). */
  config: Pick<ConfigService, 'snapshot' | 'subscribe'>;
  stop(): Promise<void>;
}

type Stop = () => void | Promise<void>;

/** Who answered a dialog from this console's own clients, in `decisions`. */
const CLIENT_NAMES: Record<AppInfo['transport'], string> = { ipc: 'the desktop app', websocket: 'the web console', direct: 'the API' };

export async function startCore(opts: CoreOptions): Promise<Core> {
  const log = opts.log;
  // A bad ARCHITECT_HOST_NAME stops the start here, before anything is opened.
  const queueHost = globalsQueueHost({ dbUrl: opts.sharedQueue, queueHost: opts.queueHost });
  const bus = new EventBus();
  const stops: Stop[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error('a subsystem failed to stop cleanly', { error: err instanceof Error ? err : String(err) });
      }
    }
  };

  try {
    const info: AppInfo = {
      name: 'Architect',
      version: packageVersion(),
      runtime: opts.runtime,
      transport: opts.transport,
      nodeVersion: process.versions.node,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dataDir: opts.dataDir,
      dbPath: opts.sharedQueue ? `${opts.sharedQueue.display} (shared queue; this console's own state in ${opts.dbPath})` : opts.dbPath,
      configDir: opts.configDir,
      tmuxServers: [...(opts.watchDefaultTmux === false ? [] : ['default']), ...opts.tmuxSockets],
      readOnly: opts.readOnly ?? false,
    };

    // Any stall of the main thread over 100 ms (or ARCHITECT_STALL_LOG_MS) is logged with what ran.
    stops.push(watchdog.start(log, opts.stallLogMs));
    // Programs (tmux commands, git) are forked by a small helper from here on: a fork
    // from the console costs its main thread time in proportion to its size (spawner.ts).
    const spawner = new Spawner();
    spawner.start();
    const uninstallSpawner = installSpawner(spawner);
    stops.push(() => {
      uninstallSpawner();
      spawner.stop();
    });
    // Prompts, pane text and logs live here: the owner's alone.
    ensurePrivateDir(opts.dataDir);
    const store = setupStore({ path: opts.dbPath, bus, log, nativeBinding: opts.nativeBinding });
    stops.push(store.stop);
    await opts.afterStore?.();
    // On a shared queue, the queries that read shared tables run there once it is up (below).
    const sharedQueries = opts.sharedQueue ? deferred<SharedQueryEngine>() : null;
    const queries = setupQueries({ store: store.store, log, shared: sharedQueries?.promise });
    stops.push(queries.stop);
    checkDatabase(queries.service, store.store, opts.dbPath, bus, log);

    const config = await setupConfig({ dir: opts.configDir, env: opts.env, bus, log, validators: loadValidators(store.store.reader), dataDir: opts.dataDir });
    stops.push(config.stop);
    const initial = config.service.snapshot();
    if (initial) queries.apply(initial);
    stops.push(config.service.subscribe((snapshot) => queries.apply(snapshot)));
    // The readers start now, beside the rest of the start: the first page's queries find them ready.
    void queries.service.warm();

    const sessions = await setupSessions({ config: config.service, store: store.store, bus, log, servers: info.tmuxServers, dataDir: opts.dataDir, writesWait: queries.indexesBuilding, host: queueHost });
    stops.push(sessions.stop);

    const attention = setupAttention({
      store: store.store,
      onOutsideCommit: store.onOutsideCommit,
      config: config.service,
      sessions,
      bus,
      log,
      clientName: CLIENT_NAMES[opts.transport],
      notify: opts.notify,
    });
    stops.push(attention.stop);

    // The task core: every task change in this console goes through it; it tells the clients and wakes the assigner.
    const taskCore = new TaskService({
      store: store.store,
      config: () => config.service.snapshot(),
      // On a shared queue the tasks live there: a workflow's task write to this console's own file is refused, saying why.
      refuseWrites: opts.sharedQueue
        ? `this console is on the shared queue ${opts.sharedQueue.display}: its tasks are there, not in its own file (add tasks with the console's Tasks page, its API, a workflow or \`architect tasks add --db …\`)`
        : undefined,
    });

    const routing = setupRouting({
      tasks: taskCore,
      store: store.store,
      config: config.service,
      sessions,
      queries: queries.service,
      bus,
      log,
      notify: opts.notify,
      slaAlert: attention.slaAlert,
      dispatch: opts.dispatch ?? true,
      localAssigner: !opts.sharedQueue,
      localSlaWatch: !opts.sharedQueue,
      indexesReady: queries.indexesSettled(),
      tasksChanged: store.publishTasks,
    });
    stops.push(routing.stop);
    // A task added by the CLI (or a second console) is routed within a second, not
    // whenever something else next wakes the assigner.
    stops.push(store.onOutsideCommit(() => routing.kick()));

    stops.push(
      taskCore.onChange((changes) => {
        store.publishTasks();
        // A claim or a start frees no session and queues nothing: the round that made it
        // already planned every free session (a kick per claim was a round for nothing).
        if (changes.some((c) => !consumesOnly(c))) routing.kick();
      }),
    );
    const tasks = setupTasks({ store: store.store, config: config.service, tasks: taskCore, highlightOf: routing.highlightOf });
    const projects = setupProjectsAndErrors({ store: store.store, config: config.service, bus, queries: queries.service });
    const tables = setupTables({ store: store.store, config: config.service, queries: queries.service });

    // On a shared queue, workflow runs write and read its tasks once it is up (below).
    const sharedWorkflowTasks = opts.sharedQueue ? deferred<SharedWorkflowTasks>() : null;
    const workflows = await setupWorkflows({
      store: store.store,
      tasks: taskCore,
      config: config.service,
      queries: queries.service,
      routing,
      bus,
      log,
      dataDir: opts.dataDir,
      onAttentionEvent: attention.onEvent,
      sharedTasks: sharedWorkflowTasks?.promise,
    });
    stops.push(workflows.stop);

    // On a shared queue: its assigner routes the tasks (woken by every console's changes),
    // and the task commands read and write there; the rest of the console stays local.
    let sharedTaskCommands: Partial<Handlers> = {};
    let sharedRouting: Partial<Handlers> = {};
    if (opts.sharedQueue) {
      const target = opts.sharedQueue;
      let publishing = false;
      let slaWatch: { kick(): void } | null = null;
      const publishShared = (): void => {
        queries.service.sharedChanged();
        slaWatch?.kick();
        if (publishing) return;
        publishing = true;
        setImmediate(() => {
          publishing = false;
          shared.store
            .counts()
            .then((counts) => bus.emit('tasks.changed', { total: Object.values(counts).reduce((a, b) => a + b, 0), counts }))
            .catch((err: unknown) => log.warn('could not read the shared queue\'s counts', { error: err instanceof Error ? err.message : String(err) }));
        });
      };
      const shared = await startSharedQueue({
        target,
        getSnapshot: () => {
          const snapshot = config.service.snapshot();
          return snapshot ? { routing: expandProviders(snapshot.routing, snapshot.agents) } : null;
        },
        getSessions: () => sessions.list(),
        onSessions: (listener) => sessions.onChange(listener),
        deliver: routing.deliver,
        log,
        dispatch: opts.dispatch ?? true,
        onChange: publishShared,
        // /metrics reports this console's claims on the shared queue (its local assigner never runs).
        latency: routing.latency,
      });
      stops.push(shared.stop);
      routing.countTasksIn(async () => ({ counts: await shared.store.counts(), open: await shared.store.openCountsByStatusAndType() }));
      stops.push(config.service.subscribe(() => shared.assigner.kick()));
      // Named queries on connections of their own: a heavy dashboard never holds up a claim.
      const readPool = await openPool(target, { max: DEFAULT_READERS, applicationName: `architect console queries (${shared.holder})` });
      stops.push(() => readPool.end());
      sharedQueries!.resolve({ pool: readPool, readers: new PostgresReaders(readPool, DEFAULT_READERS) });
      const sla = await startSharedSlaWatch({ target, holder: shared.holder, store: store.store, tasks: shared.store, config: config.service, bus, log, notify: opts.notify, send: attention.slaAlert, changed: () => shared.assigner.kick() });
      stops.push(sla.stop);
      slaWatch = sla.watcher;
      sharedRouting = setupSharedRouting({ store: shared.store, config: config.service, sessions: () => sessions.list(), avoiding: (now) => shared.assigner.avoiding(now) });
      attention.recordAnswersIn(shared.store);
      // Session cards and attention events know the shared tasks (this console's own tasks table is empty).
      sessions.useHeldTasks(shared.held);
      // ...and the console's own sessions.current_task_id says the same (a shared task's id).
      stops.push(keepCurrentTasks({ held: shared.held, store: store.store, onRows: (listener) => sessions.onRowsWritten(listener), log }));
      attention.readTasksFrom(sharedAttentionTasks(shared, store.store, target));
      sharedWorkflowTasks!.resolve(new SharedWorkflowTasks(shared.store, (type) => taskDefaults(config.service.snapshot(), type), shared.assigner));
      sharedTaskCommands = setupSharedTasks({ store: shared.store, config: config.service, queueName: target.display, changed: () => shared.assigner.kick() });
    }

    const handlers: Handlers = {
      // servers.yaml adds servers (and may change them live) beside the command line's.
      'app.info': () => ({ ...info, tmuxServers: sessions.serverNames() }),
      // Subscriptions per page: a transport that can filter pushes only these to the caller.
      'events.subscribe': (p, caller) => {
        const unknown = p.events.filter((e) => !isEventName(e));
        if (unknown.length) throw new ApiError('invalid_params', `unknown event(s): ${unknown.map((e) => echo(e)).join(', ')}`);
        caller?.subscribe?.(p.events.filter(isEventName));
        return { ok: true as const };
      },
      ...config.commands,
      ...sessions.commands,
      ...tasks.commands,
      ...queries.commands,
      ...routing.commands,
      ...projects.commands,
      ...tables.commands,
      ...workflows.commands,
      ...attention.commands,
      ...sharedTaskCommands,
      ...sharedRouting,
    };
    const missing = missingHandlers(handlers);
    if (missing.length) throw new Error(`internal: no handler for ${missing.join(', ')}`);

    log.info('core ready', { config: opts.configDir, db: opts.dbPath, tmux: sessions.serverNames().join(',') });
    return {
      handlers,
      bus,
      info,
      routes: [...queries.routes, ...routing.routes, ...attention.routes, ...workflows.routes],
      setConsoleUrl: attention.setConsoleUrl,
      config: { snapshot: () => config.service.snapshot(), subscribe: (listener) => config.service.subscribe(listener) },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The integrity check on open, in the background (a reader process reads every page):
 * a damaged file is reported in the log and on the Errors page, not found out later.
 */
function checkDatabase(queries: QueriesFeature['service'], store: Store, dbPath: string, bus: EventBus, log: Logger): void {
  queries
    .checkIntegrity()
    .then((problems) => {
      if (problems.length === 0) return;
      const message = `the database ${dbPath} is damaged (SQLite quick_check): ${problems.join('; ')}. Stop the console and restore a backup, or run "sqlite3 ${dbPath} .recover"`;
      log.error(message);
      try {
        store.errors.record('database', message);
        bus.emit('errors.changed', { open: store.errors.listOpen().length });
      } catch (err) {
        log.error('could not record the damage in the database itself', { error: err instanceof Error ? err : String(err) });
      }
    })
    .catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      // Stopped before the check finished: nothing to report.
      if (!message.includes('the query service is closed')) log.warn(`could not check the database ${dbPath}`, { error: message });
    });
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
