// The sessions feature on a private tmux server and a fresh store, with the shipped
// config, for tests that follow what it lists and sends (sessions.delta). Each test
// gets its own server and store (beforeEach); the feature it started, the server and
// the store go after it (afterEach).
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { SessionDelta } from '../../../src/shared/session-delta.js';
import { loadConfig } from '../../../src/main/config/load.js';
import type { ConfigService } from '../../../src/main/config/service.js';
import { EventBus } from '../../../src/main/events/bus.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { defaultConfigDir } from '../../../src/main/paths.js';
import { setupSessions, type SessionsFeature } from '../../../src/main/setup/sessions.js';
import { PrivateTmux } from '../../support/tmux.js';
import { tempStore } from '../store/temp-store.js';

export interface SessionsFixture {
  readonly tmux: PrivateTmux;
  readonly db: ReturnType<typeof tempStore>;
  /** Starts the feature on the test's server and store, on its own bus; `deltas` collects every sessions.delta sent. */
  start(): Promise<{ feature: SessionsFeature; bus: EventBus; deltas: SessionDelta[] }>;
}

export function useSessionsFeature(): SessionsFixture {
  let tmux: PrivateTmux;
  let db: ReturnType<typeof tempStore>;
  let feature: SessionsFeature | null = null;
  beforeEach(() => {
    tmux = new PrivateTmux();
    db = tempStore();
  });
  afterEach(async () => {
    await feature?.stop();
    feature = null;
    tmux.kill();
    db.remove();
  });
  return {
    get tmux() {
      return tmux;
    },
    get db() {
      return db;
    },
    async start() {
      const loaded = loadConfig({ dir: defaultConfigDir(), env: null });
      if (!loaded.ok) throw new Error('the shipped config does not load');
      const config = { snapshot: () => loaded.snapshot, subscribe: () => () => undefined } as unknown as ConfigService;
      const bus = new EventBus();
      const deltas: SessionDelta[] = [];
      bus.on('sessions.delta', (d) => deltas.push(d));
      feature = await setupSessions({ config, store: db.store, bus, log: silentLogger, servers: [tmux.socket], dataDir: path.join(db.dir, 'data'), heldRefreshMs: 3_600_000 });
      return { feature, bus, deltas };
    },
  };
}
