import { z } from 'zod';
import { SessionState } from '../../../shared/api.js';

// config/base/routing_tests.yaml — cases the routing rules must satisfy (a task and
// the sessions present → the expected decision). Run on every reload by the router.

export const RoutingTestSession = z
  .object({
    name: z.string().min(1),
    provider: z.string().min(1),
    state: SessionState.default('idle'),
  })
  .strict();

export const RoutingTestExpect = z.union([
  z.object({ session: z.string().min(1) }).strict(),
  z.object({ queued: z.literal(true) }).strict(),
]);
export type RoutingTestExpect = z.infer<typeof RoutingTestExpect>;

export const RoutingTestCase = z
  .object({
    name: z.string().min(1),
    task: z.object({ type: z.string().min(1), priority: z.number().int().min(0).max(10).optional() }).strict(),
    sessions: z.array(RoutingTestSession).default([]),
    expect: RoutingTestExpect,
  })
  .strict();
export type RoutingTestCase = z.infer<typeof RoutingTestCase>;

export const RoutingTestsFile = z
  .object({
    version: z.string(),
    cases: z.array(RoutingTestCase).default([]),
  })
  .strict();
export type RoutingTestsFile = z.infer<typeof RoutingTestsFile>;
