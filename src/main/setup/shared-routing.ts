// The routing dry run on a shared PostgreSQL queue (issue 17): the decisions the
// shared queue's head would get now, with this console's sessions and rules, read
// there (the console's own file holds no tasks) and applied to nothing.
import type { CommandParams, CommandResult, Session } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import { dryRunShared, type SharedQueueReads } from '../assigner/round-plan.js';
import type { ConfigService } from '../config/service.js';
import { expandProviders } from '../routing/providers.js';

type SharedRoutingCommands = { 'route.dryRun': (p: CommandParams<'route.dryRun'>) => Promise<CommandResult<'route.dryRun'>> };

export function setupSharedRouting(opts: { store: SharedQueueReads; config: ConfigService; sessions: () => Session[] }): SharedRoutingCommands {
  return {
    'route.dryRun': async () => {
      const snapshot = opts.config.snapshot();
      if (!snapshot) throw new ApiError('unavailable', 'no valid configuration is loaded: fix the problems listed under Config');
      return { decisions: await dryRunShared(opts.store, expandProviders(snapshot.routing, snapshot.agents), opts.sessions(), new Date()) };
    },
  };
}
