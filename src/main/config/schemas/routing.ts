import { z } from 'zod';

// config/base/routing_rules.yaml — which session gets which task (seed 000 part 2.1 B).

/** A task's tries when its type's rule does not say (and for types without a rule). */
export const DEFAULT_MAX_ATTEMPTS = 3;

export const RoutingStrategy = z.enum(['preferred_order', 'round_robin', 'least_loaded']);
export type RoutingStrategy = z.infer<typeof RoutingStrategy>;

export const RouteRule = z
  .object({
    description: z.string().optional(),
    requires_env: z.boolean().default(false),
    preferred_sessions: z.array(z.string()).default([]),
    /** [first, last] inclusive. */
    port_range: z.tuple([z.number().int().min(1).max(65535), z.number().int().min(1).max(65535)]).optional(),
    auto_create_env: z.boolean().default(false),
    merge_via_pr: z.boolean().default(false),
    urgent: z.boolean().default(false),
    priority: z.number().int().min(0).max(10).default(5),
    timeout_minutes: z.number().positive().optional(),
    /** Dispatches a task of this type gets (failed deliveries, exits, timeouts) before it is failed. */
    max_attempts: z.number().int().min(1).max(100).default(DEFAULT_MAX_ATTEMPTS),
    strategy: RoutingStrategy.default('preferred_order'),
    /** Providers (agents) allowed for this type; defaults to the top-level supported_providers. */
    supported_providers: z.array(z.string()).optional(),
  })
  .strict();
export type RouteRule = z.infer<typeof RouteRule>;

export const FallbackRule = z.discriminatedUnion('condition', [
  z
    .object({
      condition: z.literal('no_sessions_available'),
      action: z.literal('queue_task'),
      retry_after_seconds: z.number().int().positive().default(60),
    })
    .strict(),
  z
    .object({
      condition: z.literal('task_type_unknown'),
      action: z.literal('route_to_default'),
      default_session: z.string(),
    })
    .strict(),
]);
export type FallbackRule = z.infer<typeof FallbackRule>;

export const RoutingFile = z
  .object({
    version: z.string(),
    environment_routing: z.record(z.string(), RouteRule),
    excluded_sessions: z.array(z.string()).default([]),
    supported_providers: z.array(z.string()).default([]),
    fallback_rules: z.array(FallbackRule).default([]),
  })
  .strict();
export type RoutingFile = z.infer<typeof RoutingFile>;
