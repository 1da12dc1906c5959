import type { z } from 'zod';
import { AgentsFile } from './schemas/agents.js';
import { NotificationsFile } from './schemas/notifications.js';
import { QueriesFile } from './schemas/queries.js';
import { RoutingFile } from './schemas/routing.js';
import { RoutingTestsFile } from './schemas/routing_tests.js';
import { ServersFile } from './schemas/servers.js';
import { SlaFile } from './schemas/sla.js';
import { UiFile } from '../../shared/ui-config.js';
import { WorkflowsFile } from './schemas/workflows.js';

// The config files, by the key an override file uses for their section
// (`routing_rules:` in environments/production.yaml overrides base/routing_rules.yaml).

interface ConfigFileSpec {
  schema: z.ZodType;
  /** A required file that is missing (e.g. deleted) is an error, never an empty config. */
  required: boolean;
}

export const CONFIG_FILES = {
  sla_rules: { schema: SlaFile, required: true },
  routing_rules: { schema: RoutingFile, required: true },
  ui_config: { schema: UiFile, required: true },
  queries: { schema: QueriesFile, required: true },
  workflows: { schema: WorkflowsFile, required: true },
  // Optional while their owners (sessions, routing) write them; absent → null.
  agents: { schema: AgentsFile, required: false },
  routing_tests: { schema: RoutingTestsFile, required: false },
  // Optional for good: a config folder from before remote servers still loads.
  servers: { schema: ServersFile, required: false },
  // Optional: without it there are no rules, and SLA alerts use the built-in channels.
  notifications: { schema: NotificationsFile, required: false },
} as const satisfies Record<string, ConfigFileSpec>;

export type ConfigFileKey = keyof typeof CONFIG_FILES;
export const CONFIG_FILE_KEYS = Object.keys(CONFIG_FILES) as ConfigFileKey[];

export function isConfigFileKey(name: string): name is ConfigFileKey {
  return Object.prototype.hasOwnProperty.call(CONFIG_FILES, name);
}

export const ENVIRONMENTS_DIR = 'environments';
export const LOCAL_OVERRIDES = 'local/overrides.yaml';
export const BASE_DIR = 'base';

export type Layer = 'base' | 'environment' | 'local';
