import { createHash } from 'node:crypto';
import type { ConfigProblem } from '../../shared/api.js';
import type { Layer } from './files.js';
import type { Position } from './source.js';
import type { AgentsFile } from './schemas/agents.js';
import type { NotificationsFile } from './schemas/notifications.js';
import type { QueriesFile } from './schemas/queries.js';
import type { RoutingFile } from './schemas/routing.js';
import type { RoutingTestCase } from './schemas/routing_tests.js';
import type { ServersFile } from './schemas/servers.js';
import type { SlaFile } from './schemas/sla.js';
import type { UiFile } from '../../shared/ui-config.js';
import type { WorkflowsFile } from './schemas/workflows.js';

export interface ConfigFileRef {
  /** Relative to the config folder, e.g. `base/routing_rules.yaml`. */
  path: string;
  layer: Layer;
}

/** The validated, merged config in force. Deeply frozen: reload swaps it whole. */
export interface ConfigSnapshot {
  /** Short sha256 of the merged content: equal content, equal version. */
  readonly version: string;
  readonly env: string | null;
  readonly dir: string;
  readonly files: readonly ConfigFileRef[];
  readonly loadedAt: string;
  readonly sla: SlaFile;
  readonly routing: RoutingFile;
  readonly ui: UiFile;
  readonly queries: QueriesFile;
  readonly workflows: WorkflowsFile;
  readonly agents: AgentsFile | null;
  readonly routingTests: readonly RoutingTestCase[];
  /** servers.yaml (empty lists without the file); optional only for snapshots built by hand in tests. */
  readonly servers?: ServersFile;
  /** notifications.yaml (no rules without the file); optional only for snapshots built by hand in tests. */
  readonly notifications?: NotificationsFile;
}

/** Where a value of a config file (by key, e.g. `routing_rules`) was written. */
export type LocateValue = (fileKey: string, path: readonly (string | number)[]) => Position;

/**
 * A check another subsystem registers (the query service prepares SQL, the router
 * runs routing_tests); it runs on load and every reload, and any problem blocks the swap.
 */
export type ConfigValidator = (snapshot: ConfigSnapshot, locate: LocateValue) => ConfigProblem[];

/** Twelve hex digits: enough to tell versions apart in a status line. */
const VERSION_LENGTH = 12;

export function versionOf(content: unknown): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, VERSION_LENGTH);
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
