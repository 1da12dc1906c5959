import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, SessionState } from '../../../src/shared/api.js';
import { deliverPrompt } from '../../../src/main/dispatch/deliver.js';
import { inputBoxText } from '../../../src/main/dispatch/plan.js';
import { loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import type { SessionTransition } from '../../../src/main/sessions/sink.js';
import { TerminalService } from '../../../src/main/terminal/terminal-service.js';
import { ControlClient } from '../../../src/main/tmux/control-client.js';
import { discover } from '../../../src/main/tmux/discover.js';
import { runTmux, TmuxNotRunning, type TmuxServer } from '../../../src/main/tmux/server.js';
import { pollUntil } from '../../support/poll.js';
import { RemoteHost } from './remote-host.js';
import { sshdMissing } from './real-sshd.js';

// The remote path against a real OpenSSH server (started by the test on a loopback
// port, its own keys and configs): discovery, identification from the remote `ps`,
// state, dispatch, the terminal, and that all of it shares one connection.
const AGENTS = loadAgentManifests(path.resolve(import.meta.dirname, '../../../config/base/agents.yaml'));
/**
 * Every remote command pays an ssh channel and the remote login shell's start-up
 * (seconds with a heavy .bashrc, more on two busy cores): conditions are polled this
 * long, and a test doing many of them gets TEST_MS.
 */
const WAIT_MS = 30_000;
const TEST_MS = 180_000;
const missing = sshdMissing();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-ssh-'));
const agentLog = path.join(dir, 'agent.log');
const canary = `/tmp/pwned-${crypto.randomBytes(4).toString('hex')}`;
const ODD_TITLE = `'; touch ${canary} # $(touch ${canary})`;
let host: RemoteHost;
let remote: TmuxServer;
let agentPane = '';

const until = <T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>): Promise<T> =>
  pollUntil(what, check, { limitMs: WAIT_MS, intervalMs: 100 });

beforeAll(async () => {
  if (missing) return;
  host = await RemoteHost.start();
  fs.writeFileSync(agentLog, '');
  agentPane = host.newSession('dev_worker1', ['claude', agentLog, '--work-ms', '600']);
  host.newSession('shell', ['sh']);
  host.run('select-pane', '-t', 'shell', '-T', ODD_TITLE);
  // Built the way the console builds it: from a servers.yaml entry.
  remote = host.server('buildbox', path.join(dir, 'ctl'));
  await until('the fake agent prompt on the remote host', () => host.run('capture-pane', '-p', '-t', agentPane).includes('❯'));
});

afterAll(async () => {
  if (remote) host.closeMaster(remote);
  await host?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(missing)(`a tmux server on another machine, over a real sshd${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('discovers panes with one list-panes over ssh, an odd title staying data', async () => {
    const panes = await discover(remote);
    expect(panes.map((p) => `${p.server}:${p.session}`).sort()).toEqual(['buildbox:dev_worker1', 'buildbox:shell']);
    expect(panes.find((p) => p.session === 'shell')?.title).toBe(ODD_TITLE);
    expect(fs.existsSync(canary)).toBe(false);
  });

  it('watches it: claude identified from the remote ps, idle, a hostile prompt delivered as text, working → idle; one connection for all of it', { timeout: TEST_MS }, async () => {
    const monitor = new SessionMonitor({ servers: [remote], agents: AGENTS, scanIntervalMs: 500 });
    const transitions: SessionTransition[] = [];
    monitor.onChange((_s, t) => transitions.push(...t));
    try {
      await monitor.start();
      const agentId = `buildbox:${agentPane}`;
      const find = (): Session | undefined => monitor.list().find((s) => s.id === agentId);
      const idle = await until('the remote agent idle', () => find()?.state === 'idle' && find());
      expect(idle).toMatchObject({ server: 'buildbox', agent: 'claude', session: 'dev_worker1', paneId: agentPane });
      expect(monitor.list().every((s) => /^buildbox:%\d+$/.test(s.id))).toBe(true);

      const prompt = `fix it'; touch ${canary} # "$(touch ${canary})" \`touch ${canary}\` ❯ ünïcode`;
      const classify = (screen: string): SessionState => (screen.includes('esc to interrupt') ? 'working' : inputBoxText(screen) === null ? 'unknown' : 'idle');
      const result = await deliverPrompt(remote, { name: 'dev_worker1', paneId: agentPane }, prompt, { classify });
      expect(result.outcome).toBe('taken');
      expect(fs.readFileSync(agentLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string)).toEqual([prompt]);
      await until('idle → working → idle on the remote agent', () => {
        const mine = transitions.filter((t) => t.sessionId === agentId).map((t) => t.to);
        const i = mine.lastIndexOf('working');
        return i >= 0 && mine.slice(i).includes('idle');
      });

      // Scan, ps, screen reads, control clients and dispatch: one TCP connection.
      await until('one connection to sshd', () => host.sshd.connections() === 1);
      await monitor.scan();
      expect(host.sshd.connections()).toBe(1);
      expect(fs.existsSync(canary)).toBe(false);

      // Dropping the server from the config reports its panes exited.
      monitor.setServers([]);
      expect(monitor.list()).toEqual([]);
      expect(transitions.filter((t) => t.sessionId === agentId).at(-1)).toMatchObject({ to: 'exited' });
    } finally {
      monitor.stop();
    }
  });

  it('dispatches with no ssh command over an open control client (the prompt quoted on its line); six or more without one', { timeout: TEST_MS }, async () => {
    // sshd logs every ssh command it runs, channels of the shared connection included.
    const commands = (): number => (host.sshd.log().match(/Starting session: command/g) ?? []).length;
    const classify = (screen: string): SessionState => (screen.includes('esc to interrupt') ? 'working' : inputBoxText(screen) === null ? 'unknown' : 'idle');
    const idle = () => until('the remote agent idle', () => classify(host.run('capture-pane', '-p', '-t', agentPane)) === 'idle');
    const target = { name: 'buildbox:dev_worker1', paneId: agentPane };
    const sent = (): string[] => fs.readFileSync(agentLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string);

    await idle();
    let mark = commands();
    expect((await deliverPrompt(remote, target, 'by exec alone', { classify })).outcome).toBe('taken');
    const byExec = commands() - mark;

    const client = new ControlClient(remote, 'dev_worker1', { onOutput: () => undefined, onLayoutChange: () => undefined, onExit: () => undefined });
    try {
      await client.command('display-message -p attached');
      await idle();
      mark = commands();
      expect((await deliverPrompt(remote, target, 'over the control client', { classify, commander: () => client })).outcome).toBe('taken');
      const overClient = commands() - mark;
      expect(sent().slice(-2)).toEqual(['by exec alone', 'over the control client']);
      expect({ byExec: byExec >= 6, overClient }).toEqual({ byExec: true, overClient: 0 });
    } finally {
      client.close();
    }
  });

  it('opens a live view onto the remote pane over the same connection (a control client, nothing attached); closing it leaves the agent', { timeout: TEST_MS }, async () => {
    const terminals = new TerminalService();
    try {
      let seen = '';
      // ssh -T … tmux -u -C attach -f ignore-size: the agent's screen, UTF-8 intact although the login has no locale.
      const { id, cols } = await terminals.open(remote, agentPane, { id: 'viewer', readOnly: false }, {
        data: (_id, d) => void (seen += d),
        resized: () => undefined,
        exit: () => undefined,
      });
      expect(cols).toBeGreaterThan(0);
      await until('the agent screen in the terminal', () => seen.includes('❯') && seen.includes('─'));
      expect(host.run('list-sessions', '-F', '#{session_name}')).not.toMatch(/^architect-view-/m);
      await until('one connection to sshd', () => host.sshd.connections() === 1);
      terminals.close(id, 'viewer');
      expect(host.run('display-message', '-p', '-t', agentPane, '#{pane_dead}').trim()).toBe('0');
    } finally {
      terminals.closeAll();
    }
  });

  it('identifies a remote agent only from the remote process table, never the local /proc', { timeout: TEST_MS }, async () => {
    // The remote host's ps (first on its PATH) fails while the flag exists.
    const flag = path.join(dir, 'ps-broken');
    const ps = fs.existsSync('/usr/bin/ps') ? '/usr/bin/ps' : '/bin/ps';
    fs.writeFileSync(path.join(host.sshd.remoteBin, 'ps'), `#!/bin/sh\n[ -e '${flag}' ] && { echo 'ps: broken for the test' >&2; exit 1; }\nexec ${ps} "$@"\n`, { mode: 0o755 });
    fs.writeFileSync(flag, '');
    const monitor = new SessionMonitor({ servers: [remote], agents: AGENTS, scanIntervalMs: 200 });
    try {
      await monitor.start();
      const agent = () => monitor.list().find((s) => s.paneId === agentPane);
      // Listed, but without the remote ps nothing says what runs in it (here /proc would say claude).
      expect(agent()).toMatchObject({ id: `buildbox:${agentPane}`, agent: 'other', state: 'unknown' });
      fs.rmSync(flag);
      await until('claude identified once the remote ps works', () => agent()?.agent === 'claude');
    } finally {
      fs.rmSync(flag, { force: true });
      fs.rmSync(path.join(host.sshd.remoteBin, 'ps'));
      monitor.stop();
    }
  });

  it('tells an unreachable host (ssh failed) from a remote tmux that is not running', async () => {
    const refused: TmuxServer = { ...remote, ssh: { ...remote.ssh!, port: 1 } };
    const err = await runTmux(refused, ['list-panes', '-a']).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(TmuxNotRunning);
    expect(String(err)).toMatch(/cannot reach tmux server "buildbox" over ssh to .*@127\.0\.0\.1: .*(refused|port 1)/);
    await expect(runTmux({ ...remote, socket: 'test-never-started' }, ['list-panes', '-a'])).rejects.toBeInstanceOf(TmuxNotRunning);
  });
});
