import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Session, SessionState } from '../../../src/shared/api.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore, type Store } from '../../../src/main/store/store.js';

/** The seed's routing rules, trimmed to what the tests need. */
export const RULES = RoutingFile.parse({
  version: '1.0',
  environment_routing: {
    bug_fix: { preferred_sessions: ['dev_worker2', 'codex'], urgent: true, priority: 9, timeout_minutes: 30 },
    feature_development: { preferred_sessions: ['dev_worker1', 'dev_worker2'], priority: 5, timeout_minutes: 90 },
    infrastructure: { preferred_sessions: ['dev_worker1'], priority: 3 },
  },
  excluded_sessions: ['architect'],
  supported_providers: ['claude', 'codex'],
  fallback_rules: [{ condition: 'no_sessions_available', action: 'queue_task', retry_after_seconds: 60 }],
});

export function session(name: string, state: SessionState = 'idle', agent = 'claude', paneId = '%1'): Session {
  return {
    id: `test:${paneId}:${name}`,
    name,
    server: 'test',
    session: name,
    windowIndex: 0,
    paneIndex: 0,
    paneId,
    title: '',
    cwd: '/',
    pid: 1,
    command: agent,
    argv: [agent],
    argvLength: agent.length,
    agent,
    state,
    reason: null,
    width: 120,
    height: 40,
    stateSince: null,
    lastOutputAt: null,
    excluded: false,
    currentTaskId: null,
  lastLine: null,
  detail: null,
  };
}

/** A real SQLite file in a temp folder; `cleanup` closes and removes everything. */
export function tempStore(): { dir: string; dbPath: string; store: Store; open: () => Store; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-assigner-'));
  const dbPath = path.join(dir, 'architect.db');
  const opened: Store[] = [];
  const open = (): Store => {
    const s = openStore({ path: dbPath, logger: silentLogger });
    opened.push(s);
    return s;
  };
  const store = open();
  return {
    dir,
    dbPath,
    store,
    open,
    cleanup: () => {
      for (const s of opened) s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  now = (): Date => new Date(this.ms);
  advanceMinutes(m: number): void {
    this.ms += m * 60_000;
  }
}

/** `n` queued tasks of one type in one transaction, titled t0, t1, … */
export function addTasks(store: Store, n: number, task: { type: string; priority?: number }): void {
  store.transaction(() => {
    for (let i = 0; i < n; i++) store.tasks.add({ ...task, title: `t${i}` });
  });
}
