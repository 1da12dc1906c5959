import fs from 'node:fs';
import path from 'node:path';
import type { CommandParams, CommandResult, Project, Task } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import type { ConfigService } from '../config/service.js';
import type { EventBus } from '../events/bus.js';
import { evaluateSla } from '../sla/evaluate.js';
import type { Store } from '../store/store.js';
import { fromSqlTime } from '../store/time.js';
import { taskFromRow, type TaskRow } from '../store/tasks.js';
import { OPEN_SQL } from '../store/status-sql.js';

type Names = 'projects.list' | 'projects.add' | 'errors.list' | 'errors.resolve';
type Commands = { [N in Names]: (p: CommandParams<N>) => CommandResult<N> };

/** Open errors above this many make a project unhealthy rather than degraded. */
const UNHEALTHY_OPEN_ERRORS = 5;

/** Projects with their health, and the aggregated error list every subsystem writes to. */
export function setupProjectsAndErrors(opts: { store: Store; config: ConfigService; bus: EventBus }): { commands: Commands } {
  const { store } = opts;
  const openTasks = store.reader.prepare(`SELECT * FROM tasks WHERE project_id = ? AND status IN (${OPEN_SQL})`);
  const liveSessions = store.reader.prepare(`SELECT count(*) FROM sessions WHERE project_id = ? AND status != 'exited'`).pluck();
  const projectErrors = store.reader
    .prepare(
      `SELECT count(*) FROM errors e WHERE e.resolved = 0 AND (
         e.task_id IN (SELECT id FROM tasks WHERE project_id = @p) OR
         e.session_id IN (SELECT id FROM sessions WHERE project_id = @p))`,
    )
    .pluck();
  const allErrors = store.reader.prepare(
    `SELECT id, source, session_id AS sessionId, task_id AS taskId, message, first_seen AS firstSeen, last_seen AS lastSeen, count, resolved
       FROM errors ORDER BY resolved, last_seen DESC LIMIT 1000`,
  );

  const health = (projectId: number): Pick<Project, 'health' | 'healthReason' | 'sessions' | 'openTasks'> => {
    const tasks = (openTasks.all(projectId) as TaskRow[]).map(taskFromRow);
    const snapshot = opts.config.snapshot();
    const now = new Date();
    const levels = snapshot ? tasks.map((t: Task) => evaluateSla(t, snapshot.sla, now)?.level ?? 'ok') : [];
    const critical = levels.filter((l) => l === 'critical').length;
    const warning = levels.filter((l) => l === 'warning').length;
    const errors = projectErrors.get({ p: projectId }) as number;
    const sessions = liveSessions.get(projectId) as number;
    const reasons: string[] = [];
    if (critical) reasons.push(`${critical} task(s) past their SLA`);
    if (errors) reasons.push(`${errors} open error(s)`);
    if (warning) reasons.push(`${warning} task(s) near their SLA`);
    const state = critical > 0 || errors >= UNHEALTHY_OPEN_ERRORS ? 'unhealthy' : errors > 0 || warning > 0 ? 'degraded' : 'healthy';
    return { health: state, healthReason: reasons.join('; ') || 'no open errors, every task within its SLA', sessions, openTasks: tasks.length };
  };

  const toProject = (p: { id: number; name: string; path: string; createdAt: string }): Project => ({
    id: p.id,
    name: p.name,
    path: p.path,
    createdAt: fromSqlTime(p.createdAt),
    ...health(p.id),
  });

  return {
    commands: {
      'projects.list': () => ({ projects: store.projects.list().map(toProject) }),
      'projects.add': (p) => {
        const abs = path.resolve(p.path);
        if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new ApiError('invalid_params', `project folder ${abs} does not exist`);
        return toProject(store.projects.add(abs, p.name));
      },
      'errors.list': (p) => ({
        errors: (allErrors.all() as Array<{ id: number; source: string; sessionId: string | null; taskId: number | null; message: string; firstSeen: string; lastSeen: string; count: number; resolved: number }>)
          .filter((e) => p.includeResolved || e.resolved === 0)
          .map((e) => ({ ...e, firstSeen: fromSqlTime(e.firstSeen), lastSeen: fromSqlTime(e.lastSeen), resolved: e.resolved === 1 })),
      }),
      'errors.resolve': (p) => {
        if (!store.errors.get(p.id)) throw new ApiError('invalid_params', `error ${p.id} does not exist`);
        store.errors.resolve(p.id);
        opts.bus.emit('errors.changed', { open: store.errors.listOpen().length });
        return { ok: true };
      },
    },
  };
}
