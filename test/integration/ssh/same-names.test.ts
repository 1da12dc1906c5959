import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { Assigner } from '../../../src/main/assigner/assigner.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { deliverPrompt } from '../../../src/main/dispatch/deliver.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { classify } from '../../../src/main/sessions/classify.js';
import { compileManifests, loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { tmuxServer, type TmuxServer } from '../../../src/main/tmux/server.js';
import { pollUntil } from '../../support/poll.js';
import { PrivateTmux } from '../../support/tmux.js';
import { RemoteHost } from './remote-host.js';
import { sshdMissing } from './real-sshd.js';

// A tmux session named `dev_worker1` on this machine and another `dev_worker1` on a
// remote host (a real sshd on loopback): two sessions, not one. The remote one's name
// carries its host (`buildbox:dev_worker1`), so a routing rule names exactly one of
// them, its task is typed into that pane only, and its lifecycle (working → idle →
// completed) follows that pane only.
const AGENTS = loadAgentManifests(path.resolve(import.meta.dirname, '../../../config/base/agents.yaml'));
const CLAUDE = compileManifests(AGENTS).byName.get('claude')!;
const FAKE = path.join(import.meta.dirname, '../../support/fake-agent.mjs');
const WAIT_MS = 60_000;
const TEST_MS = 180_000;
const missing = sshdMissing();

const RULES = RoutingFile.parse({
  version: '1',
  environment_routing: {
    on_buildbox: { preferred_sessions: ['buildbox:dev_worker1'], priority: 5 },
    on_this_machine: { preferred_sessions: ['dev_worker1'], priority: 5 },
  },
  supported_providers: ['claude'],
  fallback_rules: [{ condition: 'no_sessions_available', action: 'queue_task', retry_after_seconds: 60 }],
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-same-names-'));
const remoteLog = path.join(dir, 'remote.log');
const localLog = path.join(dir, 'local.log');
const local = new PrivateTmux();
let host: RemoteHost;
let remote: TmuxServer;
let localServer: TmuxServer;
let remotePane = '';
let localPane = '';
let store: Store;
let monitor: SessionMonitor;
let assigner: Assigner;
let stopAssigner: (() => Promise<void>) | null = null;

const until = <T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>): Promise<T> =>
  pollUntil(what, check, { limitMs: WAIT_MS, intervalMs: 100 });
const prompts = (file: string): string[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string);

beforeAll(async () => {
  if (missing) return;
  host = await RemoteHost.start();
  fs.writeFileSync(remoteLog, '');
  fs.writeFileSync(localLog, '');
  remotePane = host.newSession('dev_worker1', ['claude', remoteLog, '--work-ms', '600']);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.copyFileSync(FAKE, path.join(bin, 'claude'));
  fs.chmodSync(path.join(bin, 'claude'), 0o755);
  localPane = local.newSession('dev_worker1', [path.join(bin, 'claude'), localLog, '--work-ms', '600']);
  remote = host.server('buildbox', path.join(dir, 'ctl'));
  localServer = tmuxServer(local.socket);
  store = openStore({ path: path.join(dir, 'architect.db'), logger: silentLogger });
  monitor = new SessionMonitor({ servers: [localServer, remote], agents: AGENTS, scanIntervalMs: 500 });
  assigner = new Assigner({
    store,
    getSnapshot: () => ({ routing: RULES }),
    getSessions: () => monitor.list(),
    deliver: (s: Session, prompt: string) =>
      deliverPrompt(s.server === 'buildbox' ? remote : localServer, { name: s.name, paneId: s.paneId }, prompt, {
        classify: (screen) => classify({ lines: screen.split('\n'), title: '' }, CLAUDE).state,
      }),
    logger: silentLogger,
  });
  monitor.onChange((sessions, transitions) => assigner.onSessions(sessions, transitions));
}, TEST_MS);

afterAll(async () => {
  await stopAssigner?.();
  monitor?.stop();
  store?.close();
  if (remote) host.closeMaster(remote);
  await host?.stop();
  local.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(missing)(`same-named tmux sessions on two hosts${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('are two sessions: the remote one named with its host; a task routed to either lands in that pane only and completes there', { timeout: TEST_MS }, async () => {
    await monitor.start();
    stopAssigner = assigner.start();
    const byId = (id: string): Session | undefined => monitor.list().find((s) => s.id === id);
    await until('both agents idle', () => byId(`buildbox:${remotePane}`)?.state === 'idle' && byId(`${local.socket}:${localPane}`)?.state === 'idle');
    expect(byId(`buildbox:${remotePane}`)).toMatchObject({ name: 'buildbox:dev_worker1', session: 'dev_worker1', server: 'buildbox' });
    expect(byId(`${local.socket}:${localPane}`)).toMatchObject({ name: 'dev_worker1', session: 'dev_worker1', server: local.socket });

    const there = store.tasks.add({ type: 'on_buildbox', title: 'remote job', prompt: 'run the remote job' });
    assigner.kick();
    await until('the remote task completed', () => store.tasks.get(there.id)?.status === 'completed');
    expect(store.tasks.get(there.id)?.assignedTo).toBe('buildbox:dev_worker1');
    expect(prompts(remoteLog)).toEqual(['run the remote job']);
    expect(prompts(localLog)).toEqual([]);

    await until('the remote agent idle again', () => byId(`buildbox:${remotePane}`)?.state === 'idle');
    const here = store.tasks.add({ type: 'on_this_machine', title: 'local job', prompt: 'run the local job' });
    assigner.kick();
    await until('the local task completed', () => store.tasks.get(here.id)?.status === 'completed');
    expect(store.tasks.get(here.id)?.assignedTo).toBe('dev_worker1');
    expect(prompts(localLog)).toEqual(['run the local job']);
    expect(prompts(remoteLog)).toEqual(['run the remote job']);
  });
});
