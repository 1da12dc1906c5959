import type { CommandParams, CommandResult } from '../../shared/api.js';
import { ConfigService } from '../config/service.js';
import type { ConfigValidator } from '../config/snapshot.js';
import { ConfigPathError } from '../config/edit.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { ApiError } from '../api/dispatch.js';

type ConfigCommands = {
  [N in 'config.status' | 'config.ui' | 'config.files' | 'config.read' | 'config.validate' | 'config.save']: (
    p: CommandParams<N>,
  ) => CommandResult<N>;
};

export interface ConfigFeature {
  service: ConfigService;
  commands: ConfigCommands;
  stop(): Promise<void>;
}

/** The config in force, watched and reloaded live; its editing commands. */
export async function setupConfig(opts: {
  dir: string;
  env: string | null;
  bus: EventBus;
  log: Logger;
  validators: ConfigValidator[];
}): Promise<ConfigFeature> {
  const service = new ConfigService({ dir: opts.dir, env: opts.env, bus: opts.bus, logger: opts.log, validators: opts.validators });
  await service.start();
  // A path outside the editable layers is the user's mistake: say so as a bad request.
  const editing = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigPathError) throw new ApiError('invalid_params', err.message);
      throw err;
    }
  };
  return {
    service,
    commands: {
      'config.status': () => service.status(),
      'config.ui': () => {
        const snapshot = service.snapshot();
        if (!snapshot) throw new ApiError('unavailable', 'no valid configuration is loaded yet: fix the problems listed under Config');
        return { version: snapshot.version, ui: snapshot.ui };
      },
      'config.files': () => ({ files: service.listFiles() }),
      'config.read': (p) => editing(() => service.readFile(p.path)),
      'config.validate': (p) => editing(() => ({ problems: service.validateDraft(p.path, p.text) })),
      'config.save': (p) => editing(() => service.saveFile(p.path, p.text, { force: p.force })),
    },
    stop: () => service.stop(),
  };
}
