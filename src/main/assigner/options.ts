// What both assigners are given (assigner.ts on the console's own file, shared.ts on a
// shared PostgreSQL queue); each adds its task store.
import type { Session } from '../../shared/api.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Logger } from '../log/logger.js';
import type { Deliver } from './prompts.js';

export interface AssignerCommonOptions {
  getSnapshot: () => Pick<ConfigSnapshot, 'routing'> | null;
  getSessions: () => Session[];
  /** Types a prompt into a session's pane and judges whether the agent took it. */
  deliver: Deliver;
  logger?: Logger;
  clock?: () => Date;
  /** Tasks changed here (claimed, started, completed, requeued): the core emits `tasks.changed`. */
  onChange?: () => void;
  /** Reconciling missed turns (lifecycle.ts): a taken prompt on an idle agent quiet this long → completed. */
  turnQuietMs?: number;
}
