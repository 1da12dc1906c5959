import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Logger } from '../log/logger.js';
import type { HttpRoute } from '../web/server.js';
import type { WorkflowEngine } from './engine.js';
import { WorkflowNotFoundError, type Row } from './types.js';

// What starts a workflow besides a person: `trigger: {type: api, endpoint, method}`
// is an HTTP route behind the console's token (the request body is the run's input
// and `${trigger.body…}`); `trigger: {type: event, event}` starts a run each time
// Architect itself sees that event (`${trigger.task…}`, `${trigger.session…}`).

/** The events a workflow may start on (config check refuses any other name). */
export const WORKFLOW_EVENTS = [
  // Tasks (when the agent has settled, as notifications.yaml sees them).
  'task_completed',
  'task_failed',
  // Agent states: settled, once per episode (agent_limit: an error that is a usage limit).
  'agent_waiting',
  'agent_error',
  'agent_limit',
  'agent_exited_mid_task',
  // Any agent's state change as the monitor reports it (not settled).
  'agent_idle',
  'agent_working',
  // SLA levels: an alert_user escalation at that level, once per task, level and rule
  // (the shipped rules alert at critical only; warning just colors the task).
  'sla_warning',
  'sla_critical',
  // A new configuration was validated and swapped in (not the first load).
  'config_applied',
] as const;
export type WorkflowEvent = (typeof WORKFLOW_EVENTS)[number];

export const API_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** An api trigger's method when the file names none. */
export const DEFAULT_API_METHOD: ApiMethod = 'POST';

/** Paths the console serves itself: an api trigger may not take them over (config check says so). */
export const RESERVED_PATHS: readonly RegExp[] = [/^\/api$/, /^\/api\/query(\/|$)/, /^\/api\/route(\/|$)/, /^\/api\/attention(\/|$)/, /^\/api\/notifications(\/|$)/, /^\/metrics$/, /^\/healthz$/];

/** The workflow an api trigger serves at this method and path, in the config in force. */
export function workflowForEndpoint(config: ConfigSnapshot | null, method: string, pathname: string): string | null {
  if (!config) return null;
  for (const [name, wf] of Object.entries(config.workflows.workflows)) {
    const t = wf.trigger;
    if (t.type === 'api' && t.endpoint === pathname && (t.method ?? DEFAULT_API_METHOD) === method) return name;
  }
  return null;
}

/** One route per method; each matches the endpoints workflows.yaml gives that method now (a reload changes them). */
export function workflowTriggerRoutes(opts: { engine: WorkflowEngine; config: () => ConfigSnapshot | null; log: Logger }): HttpRoute[] {
  return API_METHODS.map(
    (method): HttpRoute => ({
      method,
      changes: true,
      match: (pathname) => {
        const workflow = workflowForEndpoint(opts.config(), method, pathname);
        return workflow ? { workflow } : null;
      },
      handle: ({ url, params, body }) => {
        const workflow = params.workflow as string;
        if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
          return { status: 400, body: { error: `the body of ${method} ${url.pathname} is a JSON object (the workflow's input), got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}` } };
        }
        const input = (body ?? {}) as Row;
        const trigger: Row = { type: 'api', endpoint: url.pathname, method, body: input, query: Object.fromEntries(url.searchParams) };
        try {
          const runId = opts.engine.run(workflow, input, 'api', { trigger });
          opts.log.info('workflow started by its api trigger', { workflow, runId, endpoint: url.pathname, method });
          return { status: 202, body: { runId, workflow, status: 'running' } };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return { status: 404, body: { error: err.message } };
          throw err;
        }
      },
    }),
  );
}

/** An event as a trigger sees it: `${trigger.event}` and the rest of these fields. */
export interface TriggerEvent {
  event: WorkflowEvent;
  session?: { id?: string | null; name: string; agent?: string | null; state?: string | null } | null;
  task?: { id: number; type?: string | null; title?: string | null } | null;
  level?: string | null;
  message?: string | null;
  reason?: string | null;
  /** config_applied: the new version. */
  version?: string | null;
}

/**
 * Starts the workflows whose trigger is this event: one run each, with the event as
 * `${trigger.…}` and its task id (if any) as `${input.task_id}`. Returns the run ids.
 */
export function fireEvent(engine: WorkflowEngine, config: ConfigSnapshot | null, e: TriggerEvent, log: Logger): number[] {
  if (!config) return [];
  const runs: number[] = [];
  for (const [name, wf] of Object.entries(config.workflows.workflows)) {
    if (wf.trigger.type !== 'event' || wf.trigger.event !== e.event) continue;
    const trigger: Row = { type: 'event', ...e };
    const input: Row = e.task ? { task_id: e.task.id } : {};
    if (e.session) input.session = e.session.name;
    try {
      runs.push(engine.run(name, input, `event:${e.event}`, { trigger }));
    } catch (err) {
      log.error(`workflow ${name} did not start on ${e.event}`, { error: err instanceof Error ? err.message : String(err) });
    }
  }
  return runs;
}
