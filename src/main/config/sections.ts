import type { AgentsFile } from './schemas/agents.js';
import type { NotificationsFile } from './schemas/notifications.js';
import type { QueriesFile } from './schemas/queries.js';
import type { RoutingFile } from './schemas/routing.js';
import type { RoutingTestsFile } from './schemas/routing_tests.js';
import type { ServersFile } from './schemas/servers.js';
import type { SlaFile } from './schemas/sla.js';
import type { UiFile } from '../../shared/ui-config.js';
import type { WorkflowsFile } from './schemas/workflows.js';
import type { ConfigProblem } from '../../shared/api.js';
import type { Locate } from './problems.js';

/** Every file after schema validation (defaults applied), keyed as in override files. */
export interface ConfigSections {
  sla_rules: SlaFile;
  routing_rules: RoutingFile;
  ui_config: UiFile;
  queries: QueriesFile;
  workflows: WorkflowsFile;
  agents: AgentsFile | null;
  routing_tests: RoutingTestsFile | null;
  servers: ServersFile | null;
  notifications: NotificationsFile | null;
}

/** A cross-file check: validated sections in, problems at their positions out. */
export type SectionCheck = (config: ConfigSections, locate: Locate) => ConfigProblem[];
