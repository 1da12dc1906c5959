import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AppInfo, Caller, Decision, QueryResult, Session, Task, TaskEvent, TaskRow } from '../../../src/shared/api.js';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { defaultConfigDir } from '../../../src/main/paths.js';
import { HOST_UNREACHABLE } from '../../../src/main/sessions/host-outages.js';
import { pollUntil } from '../../support/poll.js';
import { RemoteHost } from './remote-host.js';
import { sshdMissing } from './real-sshd.js';

// A remote host through the whole console, against a real sshd: servers.yaml loaded
// and followed live; its agent on the cards and in the counts; tasks routed,
// dispatched and completed there; a terminal onto its pane; and an outage that holds
// its tasks without failing them and routes nothing to it until it is back.
const WAIT_MS = 60_000;
const TEST_MS = 240_000;
const missing = sshdMissing();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-core-ssh-'));
const configDir = path.join(dir, 'config');
const serversYaml = path.join(configDir, 'base', 'servers.yaml');
const agentLog = path.join(dir, 'agent.log');
let host: RemoteHost;
let core: Core;
let pane = '';

const until = <T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>): Promise<T> =>
  pollUntil(what, check, { limitMs: WAIT_MS, intervalMs: 100 });
const call = async <T>(method: string, params: unknown = {}): Promise<T> =>
  (await (core.handlers as unknown as Record<string, (p: unknown) => unknown>)[method]!(params)) as T;
const sessions = async (): Promise<Session[]> => (await call<{ sessions: Session[] }>('sessions.list')).sessions;
const remoteAgent = async (): Promise<Session | undefined> => (await sessions()).find((s) => s.id === `buildbox:${pane}`);
const task = (id: number) => call<{ task: TaskRow; history: TaskEvent[]; decisions: Decision[] }>('tasks.get', { id });
const addTask = (prompt: string) => call<Task>('tasks.create', { type: 'bug_fix', title: prompt.slice(0, 40), prompt });
/** The fake agent works 1.5 s per prompt, LONG ones 12 s (to be mid-task when the host drops). */
const agentScreen = () => host.tmux.run('capture-pane', '-p', '-t', pane);

beforeAll(async () => {
  if (missing) return;
  host = await RemoteHost.start();
  fs.writeFileSync(agentLog, '');
  pane = host.newSession('dev_worker1', ['claude', agentLog, '--work-ms', '1500', '--long-ms', '12000']);
  fs.cpSync(defaultConfigDir(), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
  fs.writeFileSync(serversYaml, stringify({ version: '1.0', ssh_hosts: [host.entry('buildbox')] }));
  core = await startCore({
    configDir,
    dbPath: path.join(dir, 'architect.db'),
    dataDir: dir,
    env: null,
    tmuxSockets: [],
    watchDefaultTmux: false,
    log: silentLogger,
    runtime: 'node',
    transport: 'websocket',
  });
}, TEST_MS);

afterAll(async () => {
  await core?.stop();
  await host?.stop(); // the shared connection ends with sshd
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(missing)(`a remote host in the console, over a real sshd${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('shows its agent on the cards and in the counts, and routes a task to it', { timeout: TEST_MS }, async () => {
    expect((await call<AppInfo>('app.info')).tmuxServers).toEqual(['buildbox']);
    const card = await until('the remote agent idle on the cards', async () => ((await remoteAgent())?.state === 'idle' ? remoteAgent() : null));
    expect(card).toMatchObject({ name: 'buildbox:dev_worker1', session: 'dev_worker1', server: 'buildbox', agent: 'claude' });
    const stats = await until('the remote agent in the idle count', async () => {
      const r = await call<QueryResult>('query.run', { name: 'stats_dashboard', params: {} });
      return Number(r.results[0]?.idle_sessions) >= 1 && r;
    });
    expect(stats.results[0]).toMatchObject({ idle_sessions: 1 });

    const { id } = await addTask('fix the flaky login test');
    const done = await until('the task completed on the remote agent', async () => ((await task(id)).task.status === 'completed' ? task(id) : null));
    expect(done.decisions.find((d) => d.decision === 'assigned')).toMatchObject({ sessionId: 'buildbox:dev_worker1' });
    expect(fs.readFileSync(agentLog, 'utf8')).toContain('"fix the flaky login test"');
  });

  it('opens a terminal onto it, shown to the client that opened it', { timeout: TEST_MS }, async () => {
    let seen = '';
    const gone: (() => void)[] = [];
    const caller: Caller = {
      id: 'viewer',
      readOnly: false,
      notify: (event, payload) => {
        if (event === 'terminal.data') seen += (payload as { data: string }).data;
      },
      onGone: (fn) => void gone.push(fn),
    };
    const handlers = core.handlers;
    const { terminalId } = await handlers['terminal.open']({ sessionId: `buildbox:${pane}` }, caller);
    try {
      await until('the remote screen in the terminal', () => seen.includes('❯') && seen.includes('fix the flaky'));
    } finally {
      await handlers['terminal.close']({ terminalId }, caller);
      for (const fn of gone) fn();
    }
  });

  it('while the host is out of reach: its task is held, not requeued; nothing is routed to it; both finish once it is back', { timeout: TEST_MS }, async () => {
    const { id: held } = await addTask('LONG: rebuild the index');
    await until('the long task in progress on the remote agent', async () => (await task(held)).task.status === 'in_progress');

    await host.sshd.drop();
    await until('the remote agent unknown (host unreachable)', async () => {
      const s = await remoteAgent();
      return s?.state === 'unknown' && s.reason === HOST_UNREACHABLE;
    });
    const { id: queued } = await addTask('bump the version');
    await until('the new task queued, not given to the unreachable session', async () =>
      (await task(queued)).decisions.some((d) => d.decision === 'queued' && d.reason.includes('dev_worker1')));
    // The agent finishes meanwhile, unseen: its task must wait for the host, not fail or go back.
    await until('the remote agent done with the long task', () => agentScreen().includes('? for shortcuts'));
    expect((await task(held)).task.status).toBe('in_progress');
    expect((await task(queued)).task.status).toBe('pending');

    await host.sshd.restart();
    await until('the held task completed once the host is back', async () => (await task(held)).task.status === 'completed');
    const second = await until('the queued task completed on the same agent', async () => ((await task(queued)).task.status === 'completed' ? task(queued) : null));
    expect(second.decisions.find((d) => d.decision === 'assigned')).toMatchObject({ sessionId: 'buildbox:dev_worker1' });
    expect((await task(held)).history.map((e) => e.to)).toEqual(['pending', 'assigned', 'in_progress', 'completed']);
  });

  it('follows an edit of servers.yaml live: the same tmux server as a local socket instead', { timeout: TEST_MS }, async () => {
    fs.writeFileSync(serversYaml, `version: "1.0"\ntmux_sockets: [${host.tmux.socket}]\n`);
    await until('the local socket watched instead', async () => {
      const ids = (await sessions()).map((s) => s.id);
      return ids.includes(`${host.tmux.socket}:${pane}`) && !ids.some((id) => id.startsWith('buildbox:'));
    });
    expect((await call<AppInfo>('app.info')).tmuxServers).toEqual([host.tmux.socket]);
  });

  it('refuses an option-looking host and keeps the last good servers', async () => {
    fs.writeFileSync(serversYaml, 'version: "1.0"\nssh_hosts:\n  - { name: evil, host: "-oProxyCommand=touch /tmp/x" }\n');
    const problems = await until('the config problem reported', async () => {
      const status = await call<{ errors: Array<{ file: string; line: number; message: string }> }>('config.status').catch(() => null);
      return status && status.errors.length > 0 && status.errors;
    });
    expect(problems[0]).toMatchObject({ file: expect.stringContaining('servers.yaml'), line: 3, message: expect.stringContaining('cannot start with "-"') });
    expect((await call<AppInfo>('app.info')).tmuxServers).toEqual([host.tmux.socket]);
  });
});

describe('a config folder from before servers.yaml', () => {
  it('still loads, with no extra servers', async () => {
    const { loadConfig } = await import('../../../src/main/config/load.js');
    const old = path.join(dir, 'old-config');
    fs.cpSync(defaultConfigDir(), old, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    fs.rmSync(path.join(old, 'base', 'servers.yaml'));
    const result = loadConfig({ dir: old, env: null });
    // And the desktop app's HTTP services stay off.
    expect(result.ok && result.snapshot.servers).toEqual({ version: '1.0', http: { enabled: false, port: 7431 }, tmux_sockets: [], ssh_hosts: [] });
  });
});
