// Routing and SLA reads on a shared PostgreSQL queue (issue 17): the dry run (the
// decisions the shared queue's head would get now, with this console's sessions and
// rules, applied to nothing) and the SLA watch of the shared tasks, whose alerts stay
// this console's own. The console's own file holds no tasks: both read PostgreSQL.
import type { Alert, CommandParams, CommandResult, Session } from '../../shared/api.js';
import { SlaWatcher } from '../alerts/sla-watcher.js';
import { sharedSlaQueue } from '../alerts/shared-sla-queue.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { EscalationStep } from '../sla/escalate.js';
import { openPool } from '../store/postgres/pool.js';
import { PostgresSlaReads } from '../store/postgres/sla-reads.js';
import type { PostgresTaskStore } from '../store/postgres/task-store.js';
import type { PostgresTarget } from '../store/postgres/url.js';
import type { Store } from '../store/store.js';
import { ApiError } from '../api/dispatch.js';
import { dryRunShared, type SharedQueueReads } from '../assigner/round-plan.js';
import type { AvoidView } from '../assigner/round-rules.js';
import type { ConfigService } from '../config/service.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { expandProviders } from '../routing/providers.js';

type SharedRoutingCommands = { 'route.dryRun': (p: CommandParams<'route.dryRun'>) => Promise<CommandResult<'route.dryRun'>> };

export function setupSharedRouting(opts: {
  store: SharedQueueReads;
  config: { snapshot(): Pick<ConfigSnapshot, 'routing' | 'agents'> | null };
  sessions: () => Session[];
  /** The shared assigner's avoid rule (SharedAssigner.avoiding): the dry run keeps a timed-out task from that session as a round does. */
  avoiding?: (now: Date) => AvoidView;
}): SharedRoutingCommands {
  return {
    'route.dryRun': async () => {
      const snapshot = opts.config.snapshot();
      if (!snapshot) throw new ApiError('unavailable', 'no valid configuration is loaded: fix the problems listed under Config');
      const now = new Date();
      return { decisions: await dryRunShared(opts.store, expandProviders(snapshot.routing, snapshot.agents), opts.sessions(), now, { avoid: opts.avoiding?.(now) }) };
    },
  };
}

/**
 * The SLA watch of the shared queue, on a connection of its own; kick() on every
 * change of the queue (LISTEN) and of the config. Alerts go to this console's
 * channels (the attention outbox) and its Alerts page.
 */
export async function startSharedSlaWatch(opts: {
  target: PostgresTarget;
  holder: string;
  store: Store;
  tasks: PostgresTaskStore;
  config: ConfigService;
  bus: EventBus;
  log: Logger;
  notify?: (title: string, body: string) => void;
  send?: (alert: Alert, step: EscalationStep) => void;
  /** A reassign moved a task (the assigner routes it again). */
  changed: () => void;
}): Promise<{ watcher: SlaWatcher; stop: () => Promise<void> }> {
  const pool = await openPool(opts.target, { max: 1, applicationName: `architect console SLA watch (${opts.holder})` });
  const reads = new PostgresSlaReads(pool);
  const log = opts.log.child({ module: 'sla' });
  const watcher = new SlaWatcher({
    store: opts.store,
    queue: sharedSlaQueue({
      reads,
      queueName: opts.target.display,
      record: (d, now) => opts.tasks.record(d, now),
      log,
      // A reassign step's move and its once-key decision: one unit of work of the shared task store.
      reassignUnit: (fn) => opts.tasks.transaction((tx) => fn(tx)),
    }),
    onReassign: () => opts.changed(),
    getSnapshot: () => opts.config.snapshot(),
    logger: opts.log,
    notify: opts.notify,
    send: opts.send,
    onAlert: (alert) => opts.bus.emit('alerts.changed', { open: watcher.alerts.countOpen(), latest: alert }),
  });
  const stopWatch = watcher.start();
  const offConfig = opts.config.subscribe(() => watcher.kick());
  return {
    watcher,
    stop: async () => {
      offConfig();
      stopWatch();
      await pool.end();
    },
  };
}
