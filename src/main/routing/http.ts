// The seed's routing service over HTTP (token-guarded by the web server):
// `POST /api/route/task` answers which session the current rules and sessions
// would give a task, without queuing or applying anything; `GET /api/route/rules`
// returns the routing rules in force.
import { z } from 'zod';
import type { Session } from '../../shared/api.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { effectiveRules } from '../assigner/round-plan.js';
import type { HttpRoute } from '../web/server.js';
import { route } from './route.js';

export interface RouteHttpReply {
  status: number;
  body: unknown;
}

const RouteTaskBody = z
  .object({
    task_type: z.string().min(1).max(100),
    priority: z.number().int().min(0).max(10).optional(),
  })
  .strict();

/** The question is about a task that does not exist yet: an id no real task has. */
const PROBE_TASK_ID = 0;

export function routeTaskHttp(snapshot: Pick<ConfigSnapshot, 'routing' | 'version'> | null, sessions: readonly Session[], body: unknown): RouteHttpReply {
  if (!snapshot) return { status: 503, body: { error: 'no valid config is loaded yet' } };
  const parsed = RouteTaskBody.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return { status: 400, body: { error: `expected {"task_type": string, "priority"?: 0–10}; ${where}` } };
  }
  const now = new Date();
  const { decisions } = route({
    tasks: [{ id: PROBE_TASK_ID, type: parsed.data.task_type, priority: parsed.data.priority ?? null, createdAt: now.toISOString() }],
    sessions: sessions.map((s) => ({ name: s.name, agent: s.agent, state: s.state, currentTaskId: s.currentTaskId })),
    rules: effectiveRules(snapshot.routing, sessions),
    now,
  });
  const d = decisions[0];
  if (!d) return { status: 500, body: { error: 'the router returned no decision' } };
  const common = { task_type: parsed.data.task_type, priority: d.priority, urgent: d.urgent, rule: d.rule, reason: d.reason, config_version: snapshot.version };
  return {
    status: 200,
    body:
      d.kind === 'assigned'
        ? { decision: 'assign', session: d.session, strategy: d.strategy, ...common }
        : { decision: 'queued', session: null, cause: d.cause, retry_after_seconds: d.retryAfterSeconds, ...common },
  };
}

export function routeRulesHttp(snapshot: Pick<ConfigSnapshot, 'routing' | 'version'> | null): RouteHttpReply {
  if (!snapshot) return { status: 503, body: { error: 'no valid config is loaded yet' } };
  return { status: 200, body: { config_version: snapshot.version, ...snapshot.routing } };
}

/** The two routes, for the web server (the console's core hands them over). */
export function routingHttpRoutes(opts: { snapshot: () => Pick<ConfigSnapshot, 'routing' | 'version'> | null; sessions: () => readonly Session[] }): HttpRoute[] {
  return [
    {
      method: 'POST',
      match: (p) => (p === '/api/route/task' ? {} : null),
      handle: ({ body }) => routeTaskHttp(opts.snapshot(), opts.sessions(), body),
    },
    {
      method: 'GET',
      match: (p) => (p === '/api/route/rules' ? {} : null),
      handle: () => routeRulesHttp(opts.snapshot()),
    },
  ];
}
