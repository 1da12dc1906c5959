import type { FunctionHandler, FunctionRegistry } from '../types.js';
import { cleanupEnvironment, createTestEnvironment } from './environment.js';
import { createPullRequest } from './pull-request.js';
import { reassignTask, routeTaskToSession, sendPrompt, waitForTask } from './tasks.js';

// The functions a `function` step may call, by the names workflows.yaml uses (the
// config checks hold the same list: WORKFLOW_FUNCTIONS).

export const BUILTIN_FUNCTIONS: Readonly<Record<string, FunctionHandler>> = {
  route_task_to_session: routeTaskToSession,
  send_prompt: sendPrompt,
  create_test_environment: createTestEnvironment,
  cleanup_environment: cleanupEnvironment,
  create_pull_request: createPullRequest,
  wait_for_task: waitForTask,
  reassign_task: reassignTask,
};

/** The built-ins plus extra handlers (tests, plugins); an extra with a built-in's name replaces it. */
export function functionRegistry(extra: Readonly<Record<string, FunctionHandler>> = {}): FunctionRegistry {
  return new Map(Object.entries({ ...BUILTIN_FUNCTIONS, ...extra }));
}
