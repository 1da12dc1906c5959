import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import type { GlobalOptions } from '../../../src/main/cli/command.js';
import { configCommand } from '../../../src/main/cli/commands/config.js';
import { findSession } from '../../../src/main/cli/commands/sessions.js';
import { Assigner } from '../../../src/main/assigner/assigner.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { deliverPrompt } from '../../../src/main/dispatch/deliver.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { classify } from '../../../src/main/sessions/classify.js';
import { compileManifests, loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { capturedIo } from '../../support/captured-io.js';
import { pollUntil } from '../../support/poll.js';
import { PrivateTmux } from '../../support/tmux.js';
import { positionOf, tempConfig } from '../../unit/config/temp-config.js';
import { loadConfig } from '../../../src/main/config/load.js';
import type { ConfigService } from '../../../src/main/config/service.js';
import { EventBus } from '../../../src/main/events/bus.js';
import type { Logger } from '../../../src/main/log/logger.js';
import { setupSessions } from '../../../src/main/setup/sessions.js';
import { main } from '../../../src/main/cli/index.js';
import { renamedSessionWarnings } from '../../../src/main/cli/renamed-check.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';

// Two local tmux servers watched at once (`tmux -L a`, `tmux -L b`), each with a
// session `w1` running an agent. They are two sessions: the first server's is `w1`,
// the second's `b:w1` (issue 17). A task routed to `b:w1` is typed into server b's
// pane only and completes there; one routed to `w1` goes to server a's.
const AGENTS = loadAgentManifests(path.resolve(import.meta.dirname, '../../../config/base/agents.yaml'));
const CLAUDE = compileManifests(AGENTS).byName.get('claude')!;
const FAKE = path.join(import.meta.dirname, '../../support/fake-agent.mjs');
const WAIT_MS = 30_000;
const TEST_MS = 90_000;

const a = new PrivateTmux();
const b = new PrivateTmux();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-two-servers-'));
const logA = path.join(dir, 'a.log');
const logB = path.join(dir, 'b.log');
let paneA = '';
let paneB = '';
let store: Store;
let monitor: SessionMonitor;
let stopAssigner: (() => Promise<void>) | null = null;

const RULES = RoutingFile.parse({
  version: '1',
  environment_routing: {
    on_b: { preferred_sessions: [`${b.socket}:w1`], priority: 5 },
    on_a: { preferred_sessions: ['w1'], priority: 5 },
  },
  supported_providers: ['claude'],
  fallback_rules: [{ condition: 'no_sessions_available', action: 'queue_task', retry_after_seconds: 60 }],
});

const until = <T>(what: string, check: () => T | undefined | null | false): Promise<T> => pollUntil(what, check, { limitMs: WAIT_MS, intervalMs: 100 });
const prompts = (file: string): string[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string);

beforeAll(() => {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.copyFileSync(FAKE, path.join(bin, 'claude'));
  fs.chmodSync(path.join(bin, 'claude'), 0o755);
  for (const f of [logA, logB]) fs.writeFileSync(f, '');
  paneA = a.newSession('w1', [path.join(bin, 'claude'), logA, '--work-ms', '600']);
  paneB = b.newSession('w1', [path.join(bin, 'claude'), logB, '--work-ms', '600']);
  b.newSession('only_on_b', [path.join(bin, 'claude'), path.join(dir, 'c.log')]);
  store = openStore({ path: path.join(dir, 'architect.db'), logger: silentLogger });
});

afterAll(async () => {
  await stopAssigner?.();
  monitor?.stop();
  store?.close();
  a.kill();
  b.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('two local tmux servers with same-named sessions', () => {
  it('are two sessions, the second server\'s named socket:session; a task for b:w1 lands in b\'s pane only', { timeout: TEST_MS }, async () => {
    const servers = [tmuxServer(a.socket), tmuxServer(b.socket)];
    monitor = new SessionMonitor({ servers, agents: AGENTS, scanIntervalMs: 500 });
    const assigner = new Assigner({
      store,
      getSnapshot: () => ({ routing: RULES }),
      getSessions: () => monitor.list(),
      deliver: (s: Session, prompt: string) =>
        deliverPrompt(servers.find((x) => x.name === s.server)!, { name: s.name, paneId: s.paneId }, prompt, {
          classify: (screen) => classify({ lines: screen.split('\n'), title: '' }, CLAUDE).state,
        }),
      logger: silentLogger,
    });
    monitor.onChange((sessions, transitions) => assigner.onSessions(sessions, transitions));
    await monitor.start();
    stopAssigner = assigner.start();
    const byId = (id: string): Session | undefined => monitor.list().find((s) => s.id === id);
    await until('both agents idle', () => byId(`${a.socket}:${paneA}`)?.state === 'idle' && byId(`${b.socket}:${paneB}`)?.state === 'idle');
    expect(byId(`${a.socket}:${paneA}`)).toMatchObject({ name: 'w1', session: 'w1', server: a.socket, paneId: paneA });
    expect(byId(`${b.socket}:${paneB}`)).toMatchObject({ name: `${b.socket}:w1`, session: 'w1', server: b.socket, paneId: paneB });
    // The CLI's lookup: each name finds its own pane; the bare tmux session name `w1` is a's (by name).
    expect(findSession(monitor.list(), `${b.socket}:w1`)?.paneId).toBe(paneB);
    expect(findSession(monitor.list(), 'w1')?.paneId).toBe(paneA);
    expect(findSession(monitor.list(), 'only_on_b')?.name).toBe(`${b.socket}:only_on_b`);

    const onB = store.tasks.add({ type: 'on_b', title: 'b job', prompt: 'run the job on b' });
    assigner.kick();
    await until('the task on b completed', () => store.tasks.get(onB.id)?.status === 'completed');
    expect(store.tasks.get(onB.id)?.assignedTo).toBe(`${b.socket}:w1`);
    expect(prompts(logB)).toEqual(['run the job on b']);
    expect(prompts(logA)).toEqual([]);

    await until('b idle again', () => byId(`${b.socket}:${paneB}`)?.state === 'idle');
    const onA = store.tasks.add({ type: 'on_a', title: 'a job', prompt: 'run the job on a' });
    assigner.kick();
    await until('the task on a completed', () => store.tasks.get(onA.id)?.status === 'completed');
    expect(store.tasks.get(onA.id)?.assignedTo).toBe('w1');
    expect(prompts(logA)).toEqual(['run the job on a']);
    expect(prompts(logB)).toEqual(['run the job on b']);
  });

  it('config check warns, at its position, where a rule names a session now named socket:session', async () => {
    const cfg = tempConfig();
    try {
      cfg.write('local/overrides.yaml', 'routing_rules:\n  environment_routing:\n    bug_fix:\n      preferred_sessions: ["w1", "only_on_b"]\n');
      const io = capturedIo();
      const globals: GlobalOptions = {
        configDir: cfg.dir, dbPath: path.join(dir, 'check.db'), dataDir: dir, env: null,
        tmuxSockets: [a.socket, b.socket], watchDefaultTmux: false, logLevel: 'error', json: false,
      };
      const code = await configCommand.run(['check'], { globals, stdout: io.stdout, stderr: io.stderr, interrupted: new Promise(() => {}) });
      expect(code).toBe(0);
      const lines = io.out().split('\n').filter((l) => l.startsWith('warning: '));
      // `w1` still names a session (a's); `only_on_b` names none now: it is `b:only_on_b`.
      expect(lines).toHaveLength(1);
      const at = positionOf(cfg.read('local/overrides.yaml'), '"only_on_b"');
      expect(lines[0]).toContain(`local/overrides.yaml:${at.line}:${at.col}: preferred_sessions "only_on_b" names no session now`);
      expect(lines[0]).toContain(`"${b.socket}:only_on_b"`);
      expect(io.out()).toMatch(/config OK: .*, 1 warning\n/);
    } finally {
      cfg.remove();
    }
  });

  it('the console logs, once, a rule naming a session now named socket:session', { timeout: 60_000 }, async () => {
    const cfg = tempConfig();
    const warnings: string[] = [];
    const log: Logger = { debug() {}, info() {}, error() {}, warn: (m) => warnings.push(m), child: () => log };
    let feature: Awaited<ReturnType<typeof setupSessions>> | null = null;
    try {
      cfg.write('local/overrides.yaml', 'routing_rules:\n  environment_routing:\n    bug_fix:\n      preferred_sessions: ["w1", "only_on_b"]\n');
      const loaded = loadConfig({ dir: cfg.dir, env: null });
      if (!loaded.ok) throw new Error('test config does not load');
      // agents.yaml: the shipped one (the temp config has none).
      const snapshot = { ...loaded.snapshot, agents: AGENTS };
      const config = { snapshot: () => snapshot, subscribe: () => () => undefined } as unknown as ConfigService;
      feature = await setupSessions({ config, store, bus: new EventBus(), log, servers: [a.socket, b.socket], dataDir: path.join(dir, 'console-data') });
      const renamed = () => warnings.filter((w) => w.includes('"only_on_b" names no session now'));
      await pollUntil('the warning', () => renamed().length > 0, { limitMs: 20_000, intervalMs: 200 });
      expect(renamed()[0]).toContain(`"${b.socket}:only_on_b"`);
      expect(renamed()[0]).toMatch(/^routing_rules\.yaml environment_routing\.bug_fix\.preferred_sessions\.1: /);
      expect(warnings.filter((w) => w.includes('"w1" names no session'))).toEqual([]);
      await feature.monitor!.scan();
      await new Promise((r) => setTimeout(r, 5_500));
      expect(renamed()).toHaveLength(1);
    } finally {
      await feature?.stop();
      cfg.remove();
    }
  });
});

// On a shared queue (--db postgres://…) the same two servers' sessions carry their
// socket and the machine's name: a's w1 is `a@hostA:w1`, b's `b@hostA:w1`
// (ARCHITECT_HOST_NAME=hostA; the default server's would be `hostA:w1`).
// Nothing here connects to the database: naming needs none.
describe('the same two servers on a shared queue', () => {
  const URL = 'postgres://architect@127.0.0.1:9/not_connected';
  const repoConfig = path.resolve(import.meta.dirname, '../../../config');

  it('architect sessions --db postgres://… lists them by the names they carry on the queue; a bad ARCHITECT_HOST_NAME stops it, saying so', async () => {
    const saved = { host: process.env.ARCHITECT_HOST_NAME, data: process.env.ARCHITECT_DATA_DIR };
    try {
      process.env.ARCHITECT_DATA_DIR = path.join(dir, 'cli-data');
      process.env.ARCHITECT_HOST_NAME = 'hostA';
      const io = capturedIo();
      const args = ['--db', URL, '--config', repoConfig, '--no-default-tmux', '--tmux-socket', a.socket, '--tmux-socket', b.socket, 'sessions', '--json'];
      expect(await main(args, io, new Promise(() => {})), io.err()).toBe(0);
      const names = (JSON.parse(io.out()) as Session[]).map((x) => x.name).sort();
      expect(names).toEqual([`${b.socket}@hostA:only_on_b`, `${b.socket}@hostA:w1`, `${a.socket}@hostA:w1`].sort());
      process.env.ARCHITECT_HOST_NAME = 'host A';
      const bad = capturedIo();
      expect(await main(args, bad, new Promise(() => {}))).toBe(2);
      expect(bad.err()).toContain('ARCHITECT_HOST_NAME="host A" cannot name this machine');
      expect(bad.out()).toBe('');
    } finally {
      for (const [k, v] of [['ARCHITECT_HOST_NAME', saved.host], ['ARCHITECT_DATA_DIR', saved.data]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('config check warns where a rule names a plain w1 that is now a@hostA:w1', async () => {
    const cfg = tempConfig();
    try {
      cfg.write('local/overrides.yaml', `routing_rules:\n  environment_routing:\n    bug_fix:\n      preferred_sessions: ["w1", "${a.socket}@hostA:w1"]\n`);
      const loaded = loadConfig({ dir: cfg.dir, env: null });
      if (!loaded.ok) throw new Error('test config does not load');
      const globals: GlobalOptions = {
        configDir: cfg.dir, dbPath: path.join(dir, 'check.db'), dbUrl: parsePostgresUrl(URL, 'test'), queueHost: 'hostA', dataDir: dir, env: null,
        tmuxSockets: [a.socket], watchDefaultTmux: false, logLevel: 'error', json: false,
      };
      const warnings = await renamedSessionWarnings({ globals, stdout: process.stdout, stderr: process.stderr, interrupted: new Promise(() => {}) }, loaded.snapshot, loaded.locate);
      expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining(`preferred_sessions "w1" names no session now: that session is named "${a.socket}@hostA:w1"`)]);
      expect(warnings[0]!.message).toContain(`write "${a.socket}@hostA:w1" here`);
      // The same check alone on SQLite: nothing renamed.
      expect(await renamedSessionWarnings({ globals: { ...globals, dbUrl: null, queueHost: undefined }, stdout: process.stdout, stderr: process.stderr, interrupted: new Promise(() => {}) }, loaded.snapshot, loaded.locate)).toEqual([]);
    } finally {
      cfg.remove();
    }
  });

  it('the console logs a rule naming a plain w1 that is now a@hostA:w1', { timeout: 60_000 }, async () => {
    const cfg = tempConfig();
    const warnings: string[] = [];
    const log: Logger = { debug() {}, info() {}, error() {}, warn: (m) => warnings.push(m), child: () => log };
    let feature: Awaited<ReturnType<typeof setupSessions>> | null = null;
    try {
      cfg.write('local/overrides.yaml', 'routing_rules:\n  environment_routing:\n    bug_fix:\n      preferred_sessions: ["w1"]\n');
      const loaded = loadConfig({ dir: cfg.dir, env: null });
      if (!loaded.ok) throw new Error('test config does not load');
      const snapshot = { ...loaded.snapshot, agents: AGENTS };
      const config = { snapshot: () => snapshot, subscribe: () => () => undefined } as unknown as ConfigService;
      feature = await setupSessions({ config, store, bus: new EventBus(), log, servers: [a.socket, b.socket], dataDir: path.join(dir, 'console-data-shared'), host: 'hostA' });
      await until('the sessions named', () => feature!.list().some((x) => x.name === `${a.socket}@hostA:w1`));
      expect(feature.list().filter((x) => x.agent === 'claude').map((x) => x.name).sort()).toEqual([`${b.socket}@hostA:only_on_b`, `${b.socket}@hostA:w1`, `${a.socket}@hostA:w1`].sort());
      const renamed = () => warnings.filter((w) => w.includes('"w1" names no session now'));
      await pollUntil('the warning', () => renamed().length > 0, { limitMs: 20_000, intervalMs: 200 });
      expect(renamed()[0]).toContain(`"${a.socket}@hostA:w1"`);
    } finally {
      await feature?.stop();
      cfg.remove();
    }
  });
});
