import type { CommandParams, CommandResult, RouteDecision } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import type { ConfigService } from '../config/service.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { route } from '../routing/route.js';
import type { Store } from '../store/store.js';
import { fromSqlTime } from '../store/time.js';
import type { HttpRoute } from '../web/server.js';
import type { SessionsFeature } from './sessions.js';

type Names = 'route.dryRun' | 'alerts.list' | 'alerts.ack';
type Commands = { [N in Names]: (p: CommandParams<N>) => CommandResult<N> };

export interface RoutingFeature {
  commands: Commands;
  routes: HttpRoute[];
  /** Something changed that may let a task move (new task, idle session, reload). */
  kick(): void;
  highlightOf(taskId: number): string | null;
  /** Route one task now (workflows): the session it went to, or why it stays queued. */
  routeTask(taskId: number, o: { urgent?: boolean; toSession?: string }): Promise<{ sessionName: string } | { queued: string }>;
  /** Type a prompt into a session's pane (workflows' send_prompt). */
  sendPrompt(sessionName: string, text: string): Promise<void>;
  /** Push an already stored notification to its channel. */
  notify(n: { channel: string; message: string; taskId: number | null; source: string }): void;
  stop(): void;
}

const DRY_RUN_LIMIT = 1000;

export function setupRouting(opts: {
  store: Store;
  config: ConfigService;
  sessions: SessionsFeature;
  bus: EventBus;
  log: Logger;
  notify?: (title: string, body: string) => void;
  dispatch: boolean;
  tasksChanged: () => void;
}): RoutingFeature {
  const { store } = opts;
  const pending = store.reader.prepare(`SELECT id, type, priority, created_at, not_before FROM tasks WHERE status = 'pending' ORDER BY priority DESC, created_at LIMIT ${DRY_RUN_LIMIT}`);
  const alerts = store.reader.prepare('SELECT * FROM notifications WHERE (@all OR acknowledged_at IS NULL) ORDER BY id DESC LIMIT @limit');
  const ack = store.writer.prepare(`UPDATE notifications SET acknowledged_at = strftime('%Y-%m-%d %H:%M:%f','now') WHERE id = ? AND acknowledged_at IS NULL`);
  const exists = store.reader.prepare('SELECT 1 FROM notifications WHERE id = ?').pluck();
  const openCount = store.reader.prepare('SELECT count(*) FROM notifications WHERE acknowledged_at IS NULL').pluck();

  const dryRun = (): RouteDecision[] => {
    const snapshot = opts.config.snapshot();
    if (!snapshot) throw new ApiError('unavailable', 'no valid configuration is loaded: fix the problems listed under Config');
    const rows = pending.all() as Array<{ id: number; type: string; priority: number; created_at: string; not_before: string | null }>;
    const out = route({
      tasks: rows.map((r) => ({ id: r.id, type: r.type, priority: r.priority, createdAt: fromSqlTime(r.created_at), notBefore: r.not_before ? fromSqlTime(r.not_before) : undefined })),
      sessions: opts.sessions.list(),
      rules: snapshot.routing,
      now: new Date(),
    });
    const typeOf = new Map(rows.map((r) => [r.id, r.type]));
    return out.decisions.map((d) => ({
      taskId: d.taskId,
      taskType: typeOf.get(d.taskId) ?? '',
      kind: d.kind === 'assigned' ? 'assign' : 'queued',
      session: d.kind === 'assigned' ? d.session : null,
      reason: d.reason,
    }));
  };

  return {
    commands: {
      'route.dryRun': () => ({ decisions: dryRun() }),
      'alerts.list': (p) => ({
        alerts: (alerts.all({ all: p.includeAcknowledged ? 1 : 0, limit: p.limit }) as Array<Record<string, string | number | null>>).map((r) => ({
          id: r.id as number,
          taskId: (r.task_id as number | null) ?? null,
          kind: r.kind as string,
          level: r.level as string,
          message: r.message as string,
          channels: r.channels ? (JSON.parse(r.channels as string) as string[]) : [],
          createdAt: fromSqlTime(r.created_at as string),
          acknowledgedAt: fromSqlTime((r.acknowledged_at as string | null) ?? null),
        })),
      }),
      'alerts.ack': (p) => {
        if (!exists.get(p.id)) throw new ApiError('invalid_params', `alert ${p.id} does not exist`);
        ack.run(p.id);
        opts.bus.emit('alerts.changed', { open: openCount.get() as number, latest: null });
        return { ok: true };
      },
    },
    routes: [],
    kick: () => undefined,
    routeTask: async () => ({ queued: 'the assigner is not running' }),
    sendPrompt: async () => {
      throw new Error('the assigner is not running');
    },
    notify: (n) => {
      opts.log.info(`notification: ${n.message}`, { channel: n.channel, source: n.source });
      if (n.channel === 'desktop') opts.notify?.('Architect', n.message);
      opts.bus.emit('alerts.changed', { open: openCount.get() as number, latest: null });
    },
    highlightOf: () => null,
    stop: () => undefined,
  };
}
