import type { Alert, Session } from '../../shared/api.js';
import { AlertRepository } from '../store/alerts.js';
import { SqliteTaskStore, type TaskStore } from '../store/task-store.js';
import { AnswerDesk } from '../attention/desk.js';
import { attentionCommands, type AttentionCommands } from '../attention/commands.js';
import { attentionRoutes } from '../attention/http.js';
import type { ConfigService } from '../config/service.js';
import { NO_NOTIFICATIONS, type NotificationsFile } from '../config/schemas/notifications.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { AgentEvents } from '../notifications/agent-events.js';
import { channelSenders } from '../notifications/channels.js';
import { DeliveryWorker } from '../notifications/delivery-worker.js';
import type { AttentionEvent } from '../notifications/event.js';
import { EventPublisher } from '../notifications/publisher.js';
import { BatchDrain } from '../notifications/batch-drain.js';
import { SettleTracker } from '../notifications/settle.js';
import { slaEvent } from '../notifications/sla-events.js';
import { localAttentionTasks, TaskEvents } from '../notifications/task-events.js';
import type { EscalationStep } from '../sla/escalate.js';
import { AttentionMemory, AttentionTaskReads, type AttentionTaskSource } from '../store/attention.js';
import { NotificationOutbox } from '../store/notification-outbox.js';
import type { Store } from '../store/store.js';
import type { HttpRoute } from '../web/server.js';
import type { SessionsFeature } from './sessions.js';

/** Agent and task events (and their deliveries) are kept this long; SLA alerts stay. */
const EVENT_RETENTION_MS = 30 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
const MS_PER_SECOND = 1000;
/** SLA alerts published per turn of the event loop (~10 ms of work): a backlog's thousands never stall it. */
const SLA_ALERTS_PER_BATCH = 100;
/**
 * A console opened on a backlog finds thousands of tasks past their SLA at once. Every
 * alert is stored (the Alerts page and the banner show them all), but only this many
 * per window go to channels (nobody wants 30,000 Slack messages); the log says how
 * many more there were.
 */
const SLA_ALERTS_SENT_PER_WINDOW = 50;
const SLA_WINDOW_MS = 10_000;

export interface AttentionFeature {
  commands: AttentionCommands;
  routes: HttpRoute[];
  /** An SLA alert the watcher stored: its channels (and matching rules) through the same outbox. */
  slaAlert(alert: Alert, step: EscalationStep): void;
  /** On a shared queue: answers are recorded in its decisions (beside the task the session holds there), not this console's file. */
  recordAnswersIn(tasks: Pick<TaskStore, 'record' | 'heldTasks'>): void;
  /**
   * On a shared queue: task outcomes (task_completed / task_failed, and the workflows
   * they trigger), the task a session holds and task facts come from there, not this
   * console's file (whose tasks table is empty). `onOutcome` wakes the outcome read.
   */
  readTasksFrom(source: AttentionTaskSource & { onOutcome(wake: () => void): () => void }): void;
  /** The URL the console is served on (links in messages when console_url is not set). */
  setConsoleUrl(url: string): void;
  /** Every event published (once each; never a test send): workflows' event triggers listen here. */
  onEvent(listener: (event: AttentionEvent) => void): () => void;
  stop(): Promise<void>;
}

/** Notifications, unread marks, the Attention inbox and answers (notifications.yaml, agents.yaml dialogs:). */
export function setupAttention(opts: {
  store: Store;
  config: ConfigService;
  sessions: SessionsFeature;
  bus: EventBus;
  log: Logger;
  /** Who answers from this console's own clients (`web console`, `desktop app`). */
  clientName: string;
  /** Electron's notifications; absent under `architect serve` (browsers show their own). */
  notify?: (title: string, body: string, target: { sessionId: string | null; taskId: number | null }) => void;
  /** Calls back after another process's (or connection's) commit to this console's file; returns the unsubscribe (setup/store.ts). */
  onOutsideCommit: (listener: () => void) => () => void;
}): AttentionFeature {
  const { store, bus } = opts;
  const log = opts.log.child({ component: 'attention' });
  const file = (): NotificationsFile => opts.config.snapshot()?.notifications ?? NO_NOTIFICATIONS;
  let servingUrl: string | null = null;
  const consoleUrl = (): string | null => file().console_url ?? servingUrl;

  const outbox = new NotificationOutbox(store.writer);
  const memory = new AttentionMemory(store.writer);
  // The tasks attention events read: this console's file, or the shared queue's once it is up (readTasksFrom).
  let taskSource: AttentionTaskSource = localAttentionTasks(new AttentionTaskReads(store.writer), memory);
  const alerts = new AlertRepository(store);
  // Answers go to the decisions of the store the tasks are in: this console's file, or
  // the shared queue's once it is up (recordAnswersIn), beside the task the session holds there.
  const ownDecisions = new SqliteTaskStore(store);
  let answersIn: Pick<TaskStore, 'record' | 'heldTasks'> | null = null;
  const desk = new AnswerDesk({
    agents: () => opts.config.snapshot()?.agents ?? null,
    server: (name) => opts.sessions.server(name),
    decisions: { record: (d, now) => (answersIn ?? ownDecisions).record(d, now) },
    taskOf: async (session) => (answersIn ? ((await answersIn.heldTasks()).find((t) => t.session === session.name)?.id ?? null) : session.currentTaskId),
  });

  let latestSessions: Session[] = opts.sessions.list();
  let lastCounts = '';
  const emitAttention = (): void => {
    const present = new Set(latestSessions.map((s) => s.id));
    const unread = memory.unread().filter((m) => present.has(m.sessionId)).length;
    const waiting = latestSessions.filter((s) => s.state === 'waiting').length;
    const key = `${unread}:${waiting}`;
    if (key === lastCounts) return;
    lastCounts = key;
    bus.emit('attention.changed', { unread, waiting });
  };
  // A backlog sends thousands of deliveries at once: clients hear once per turn of the loop.
  let running = true;
  const later = (fn: () => void) =>
    coalesced(() => {
      if (!running) return; // the store may be closed by now
      try {
        fn();
      } catch (err) {
        log.warn('cannot tell clients about attention changes', { err });
      }
    });
  const emitAlerts = later(() => bus.emit('alerts.changed', { open: alerts.countOpen(), latest: alerts.latestOpen() }));
  const emitDeliveries = later(() => bus.emit('notifications.changed', { at: new Date().toISOString() }));

  const worker = new DeliveryWorker({
    outbox,
    logger: log,
    onChange: emitDeliveries,
    senders: channelSenders(file, consoleUrl, {
      dashboard: () => emitAlerts(),
      log: (e) => log[e.level === 'critical' ? 'error' : e.level === 'warning' ? 'warn' : 'info'](`${e.event}: ${e.message}`, { session: e.session?.name, task: e.task?.id }),
      desktop: (e) => {
        const target = { sessionId: e.session && !e.test ? e.session.id : null, taskId: e.task && !e.test ? e.task.id : null };
        opts.notify?.(e.title, e.message, target);
        bus.emit('attention.notification', { id: Date.now(), event: e.event, level: e.level, title: e.title, body: e.message, ...target });
      },
    }),
  });
  const publisher = new EventPublisher({ store, outbox, memory, file, clock: () => new Date() });
  const eventListeners = new Set<(event: AttentionEvent) => void>();
  const publish = (event: AttentionEvent, extra?: { extraChannels?: readonly string[]; existingId?: number; only?: string }): number | null => {
    let published;
    try {
      published = publisher.publish(event, extra);
    } catch (err) {
      log.error('cannot store an attention event', { event: event.event, err });
      return null;
    }
    if (!published) return null;
    if (!event.test && extra?.only === undefined) {
      for (const l of eventListeners) {
        try {
          l(event);
        } catch (err) {
          log.error('an event listener failed', { event: event.event, err });
        }
      }
    }
    // SLA alerts are logged by their own log channel (a backlog raises thousands at once).
    log[event.event.startsWith('sla_') ? 'debug' : 'info'](`${event.event}: ${event.message}`, {
      deliveries: published.deliveries.map((d) => `${d.channel}:${d.status}`).join(',') || 'none',
    });
    worker.kick();
    emitDeliveries();
    if (published.markedUnread) emitAttention();
    if (published.onDashboard) emitAlerts();
    return published.notificationId;
  };

  const projectOf = (s: Session): string | null => {
    try {
      return store.projects.findForCwd(s.cwd)?.name ?? null;
    } catch {
      return null;
    }
  };
  const tracker = new SettleTracker(file().settle_seconds * MS_PER_SECOND);
  const tasks = new TaskEvents({
    source: () => taskSource,
    sessionNamed: (name) => latestSessions.find((s) => s.name === name),
    settledState: (name) => tracker.settledByName(name),
    projectOf,
    publish: (e) => void publish(e),
    logger: log,
  });
  const agents = new AgentEvents({
    tracker,
    memory,
    publish: (e) => void publish(e),
    readDialog: (s) => desk.readDialog(s),
    task: (id) => {
      const f = taskSource.facts(id);
      return f ? { id: f.id, title: f.title, type: f.type, project: f.project } : null;
    },
    heldBy: (name) => taskSource.heldBy(name),
    projectOf,
    settled: (change) => tasks.settled(change),
    logger: log,
  });

  const pollTasks = (): void => {
    tasks.poll().catch((err: unknown) => {
      if (running) log.error('cannot read task outcomes', { err });
    });
  };
  pollTasks(); // sets the cursor on a first run; resumes after a restart
  const offSessions = opts.sessions.onChange((sessions, transitions) => {
    latestSessions = sessions;
    agents.onSessions(sessions);
    // The waiting count moves only with a transition; unread marks are emitted where they change.
    if (transitions.length > 0) emitAttention();
  });
  agents.onSessions(latestSessions);
  const offTasks = bus.on('tasks.changed', pollTasks);
  // Another process wrote (the CLI queued a test, or finished a task): look at both.
  // Only another's: this console's own task changes come as tasks.changed (above), its
  // own notifications kick the worker as they are published.
  const stopWatch = opts.onOutsideCommit(() => {
    pollTasks();
    worker.kick();
  });
  const offConfig = opts.config.subscribe(() => {
    tracker.setSettleMs(file().settle_seconds * MS_PER_SECOND);
    agents.reschedule();
    worker.kick();
  });
  const stopWorker = worker.start();
  const prune = (): void => {
    try {
      const before = new Date(Date.now() - EVENT_RETENTION_MS);
      outbox.prune(before);
      memory.pruneUnread(before);
    } catch (err) {
      log.warn('cannot prune old attention events', { err });
    }
  };
  prune();
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
  pruneTimer.unref();

  const stops: Array<() => void> = [];
  let slaWindow = { startMs: 0, sent: 0, held: 0 };
  // The batch's task facts in one read (a shared queue's are in PostgreSQL), then its events in one transaction; batches one after another.
  let slaChain: Promise<void> = Promise.resolve();
  const publishSla = async (batch: Array<{ alert: Alert; step: EscalationStep }>): Promise<void> => {
    const facts = await taskSource.factsOf(batch.flatMap(({ alert }) => (alert.taskId === null ? [] : [alert.taskId])));
    if (!running) return;
    store.transaction(() => {
      for (const { alert, step } of batch) {
        const event = slaEvent(alert, step, facts.get(alert.taskId ?? -1) ?? null, latestSessions);
        if (event) publish(event, { existingId: alert.id, extraChannels: step.channels });
      }
    });
  };
  const slaAlerts = new BatchDrain<{ alert: Alert; step: EscalationStep }>((batch) => {
    slaChain = slaChain.then(() => publishSla(batch)).catch((err: unknown) => log.error('cannot send SLA alerts', { err }));
  }, SLA_ALERTS_PER_BATCH);

  const commands = attentionCommands({
    outbox,
    memory,
    desk,
    file,
    sessions: () => latestSessions,
    clientName: opts.clientName,
    publishTest: (channel, event) => publish(event, { only: channel }),
    markedRead: emitAttention,
  });

  return {
    commands,
    routes: attentionRoutes(commands),
    recordAnswersIn: (tasks) => {
      answersIn = tasks;
    },
    readTasksFrom: (source) => {
      taskSource = source;
      stops.push(source.onOutcome(pollTasks));
      pollTasks();
    },
    slaAlert: (alert, step) => {
      const now = Date.now();
      if (now - slaWindow.startMs >= SLA_WINDOW_MS) {
        if (slaWindow.held > 0) log.warn(`SLA: ${slaWindow.held} more alert(s) were not sent to their channels (a backlog); see Alerts in the console`);
        slaWindow = { startMs: now, sent: 0, held: 0 };
      }
      if (slaWindow.sent++ < SLA_ALERTS_SENT_PER_WINDOW) slaAlerts.push({ alert, step });
      else slaWindow.held++;
      emitAlerts();
    },
    setConsoleUrl: (url) => {
      servingUrl = url;
    },
    onEvent: (listener) => {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    stop: async () => {
      running = false;
      clearInterval(pruneTimer);
      slaAlerts.stop();
      offSessions();
      offTasks();
      offConfig();
      stopWatch();
      for (const off of stops.splice(0)) off();
      await slaChain;
      await agents.stop();
      await stopWorker();
    },
  };
}

/** `fn` once on the next turn of the event loop, however many calls arrive meanwhile. */
function coalesced(fn: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      fn();
    });
  };
}
