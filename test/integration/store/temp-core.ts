import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { defaultConfigDir } from '../../../src/main/paths.js';

/** The console's core on a given database and data folder: shipped config, no tmux, no dispatch. */
export function startCoreOn(dbPath: string, dataDir: string): Promise<Core> {
  return startCore({
    configDir: defaultConfigDir(),
    dbPath,
    dataDir,
    env: null,
    tmuxSockets: [],
    watchDefaultTmux: false,
    log: silentLogger,
    runtime: 'node',
    transport: 'websocket',
    dispatch: false,
  });
}
