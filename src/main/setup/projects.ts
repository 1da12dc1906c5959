import fs from 'node:fs';
import path from 'node:path';
import type { CommandParams, CommandResult, Project } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import type { ConfigService } from '../config/service.js';
import type { EventBus } from '../events/bus.js';
import type { QueryService } from '../queries/service.js';
import { SLA_BY_PROJECT_QUERY } from '../sla/sla-sql.js';
import type { Store } from '../store/store.js';
import { fromSqlTime } from '../store/time.js';
import { ProjectHealthReads } from '../store/project-health.js';

type Names = 'projects.list' | 'projects.add' | 'errors.list' | 'errors.resolve';
type Commands = { [N in Names]: (p: CommandParams<N>) => CommandResult<N> | Promise<CommandResult<N>> };

interface ProjectLevels {
  open: number;
  warning: number;
  critical: number;
}

/** Open errors above this many make a project unhealthy rather than degraded. */
const UNHEALTHY_OPEN_ERRORS = 5;

/** Projects with their health, and the aggregated error list every subsystem writes to. */
export function setupProjectsAndErrors(opts: { store: Store; config: ConfigService; bus: EventBus; queries: QueryService }): { commands: Commands } {
  const { store } = opts;
  const reads = new ProjectHealthReads(store.reader);

  /**
   * SLA levels per project, counted in a reader process (sla_by_project, derived from
   * sla_rules.yaml): a million tasks are never evaluated on the main thread.
   */
  const levelsByProject = async (): Promise<Map<number, ProjectLevels> | null> => {
    if (!opts.queries.has(SLA_BY_PROJECT_QUERY)) return null;
    const { results } = await opts.queries.run(SLA_BY_PROJECT_QUERY);
    return new Map(results.map((r) => [Number(r.project_id), { open: Number(r.open), warning: Number(r.warning), critical: Number(r.critical) }]));
  };

  const health = (projectId: number, levels: Map<number, ProjectLevels> | null): Pick<Project, 'health' | 'healthReason' | 'sessions' | 'openTasks'> => {
    const counted = levels ? (levels.get(projectId) ?? { open: 0, warning: 0, critical: 0 }) : { open: reads.openTaskCount(projectId), warning: 0, critical: 0 };
    const { critical, warning } = counted;
    const errors = reads.openErrorCount(projectId);
    const sessions = reads.liveSessionCount(projectId);
    const reasons: string[] = [];
    if (critical) reasons.push(`${critical} task(s) past their SLA`);
    if (errors) reasons.push(`${errors} open error(s)`);
    if (warning) reasons.push(`${warning} task(s) near their SLA`);
    const state = critical > 0 || errors >= UNHEALTHY_OPEN_ERRORS ? 'unhealthy' : errors > 0 || warning > 0 ? 'degraded' : 'healthy';
    return { health: state, healthReason: reasons.join('; ') || 'no open errors, every task within its SLA', sessions, openTasks: counted.open };
  };

  const toProject = (p: { id: number; name: string; path: string; createdAt: string }, levels: Map<number, ProjectLevels> | null): Project => ({
    id: p.id,
    name: p.name,
    path: p.path,
    createdAt: fromSqlTime(p.createdAt),
    ...health(p.id, levels),
  });

  return {
    commands: {
      'projects.list': async () => {
        const levels = await levelsByProject();
        return { projects: store.projects.list().map((p) => toProject(p, levels)) };
      },
      'projects.add': (p) => {
        const abs = path.resolve(p.path);
        if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new ApiError('invalid_params', `project folder ${abs} does not exist`);
        // A new project: its few tasks (if any) are counted here, without their SLA levels until the next list.
        return toProject(store.projects.add(abs, p.name), null);
      },
      'errors.list': (p) => ({
        errors: reads
          .recentErrorRows()
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
