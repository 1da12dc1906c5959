import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, SessionState } from '../../../src/shared/api.js';
import { ServersFile } from '../../../src/main/config/schemas/servers.js';
import { deliverPrompt } from '../../../src/main/dispatch/deliver.js';
import { inputBoxText } from '../../../src/main/dispatch/plan.js';
import { loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import type { SessionTransition } from '../../../src/main/sessions/sink.js';
import { TerminalService } from '../../../src/main/terminal/terminal-service.js';
import { discover } from '../../../src/main/tmux/discover.js';
import { runTmux, TmuxNotRunning, type TmuxServer } from '../../../src/main/tmux/server.js';
import { serversToWatch } from '../../../src/main/tmux/watched-servers.js';
import { PrivateTmux } from '../../support/tmux.js';
import { pollUntil } from '../../support/poll.js';
import { installFakeSsh } from './fake-ssh.js';

// The whole remote path without a remote machine: a fake `ssh` first on PATH runs each
// remote command string with `sh -c` against a private tmux server (`tmux -L test-…`).
const FAKE_AGENT = path.resolve(import.meta.dirname, '../../support/fake-agent.mjs');
const AGENTS = loadAgentManifests(path.resolve(import.meta.dirname, '../../../config/base/agents.yaml'));
const HOST = 'dev@buildbox.lan';
const PORT = 2222;
const WAIT_MS = 10_000;

const tmux = new PrivateTmux();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-ssh-'));
const bin = path.join(dir, 'bin');
const sshLog = path.join(dir, 'ssh.log');
const psBroken = path.join(dir, 'ps-broken');
const agentLog = path.join(dir, 'agent.log');
const canary = `/tmp/pwned-${crypto.randomBytes(4).toString('hex')}`;
const savedPath = process.env.PATH;
let remote: TmuxServer;
let agentPane = '';

const until = <T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>): Promise<T> =>
  pollUntil(what, check, { limitMs: WAIT_MS });

const sshCommands = (): string[] => (fs.existsSync(sshLog) ? fs.readFileSync(sshLog, 'utf8').split('\n').filter(Boolean) : []);

beforeAll(async () => {
  fs.mkdirSync(bin);
  installFakeSsh(bin, { host: HOST, port: PORT, log: sshLog, psBrokenFlag: psBroken });
  const claude = path.join(bin, 'claude');
  fs.copyFileSync(FAKE_AGENT, claude);
  fs.chmodSync(claude, 0o755);
  fs.writeFileSync(agentLog, '');
  process.env.PATH = `${bin}:${savedPath ?? '/usr/bin:/bin'}`;
  agentPane = tmux.newSession('dev_worker1', [claude, agentLog, '--work-ms', '600'], { width: 100, height: 30 });
  tmux.newSession('shell', ['sh']);
  tmux.run('select-pane', '-t', 'shell', '-T', `'; touch ${canary} # $(touch ${canary})`);
  // Built the way the console builds it: from servers.yaml.
  const config = ServersFile.parse({ version: '1.0', ssh_hosts: [{ name: 'buildbox', host: HOST, port: PORT, tmux_socket: tmux.socket }] });
  remote = serversToWatch([], config, path.join(dir, 'ctl')).servers[0]!;
  await until('the fake agent prompt', async () => (await runTmux(remote, ['capture-pane', '-p', '-t', agentPane])).includes('❯'));
});

afterAll(() => {
  process.env.PATH = savedPath;
  tmux.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a tmux server on another machine, over ssh', () => {
  it('discovers panes with one list-panes through ssh, odd titles staying data', async () => {
    const before = sshCommands().length;
    const panes = await discover(remote);
    expect(sshCommands().length - before).toBe(1);
    expect(sshCommands().at(-1)).toMatch(/^-T 'tmux' '-u' '-L' 'test-[0-9a-z-]+' 'list-panes' '-a' '-F' /);
    expect(panes.map((p) => `${p.server}:${p.session}`).sort()).toEqual(['buildbox:dev_worker1', 'buildbox:shell']);
    expect(panes.find((p) => p.session === 'shell')?.title).toBe(`'; touch ${canary} # $(touch ${canary})`);
    expect(fs.existsSync(canary)).toBe(false);
  });

  it('watches it: ids buildbox:%N, claude identified from the remote ps, a state change, and a hostile prompt delivered as text', async () => {
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
      // Identified through the remote process table, not /proc: a ps ran over ssh.
      expect(sshCommands().some((c) => c.startsWith(`-T 'ps' '-ww' '-eo'`))).toBe(true);
      // And the control clients attached over ssh too (for %output).
      expect(sshCommands().some((c) => c.includes(`'-C' 'attach-session'`))).toBe(true);

      const prompt = `fix it'; touch ${canary} # "$(touch ${canary})" \`touch ${canary}\``;
      const classify = (screen: string): SessionState => (screen.includes('esc to interrupt') ? 'working' : inputBoxText(screen) === null ? 'unknown' : 'idle');
      // Named the way the router names it: by the session's server.
      const result = await deliverPrompt(remote, { name: 'dev_worker1', paneId: agentPane }, prompt, { classify });
      expect(result.outcome).toBe('taken');
      expect(fs.readFileSync(agentLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string)).toEqual([prompt]);
      expect(fs.existsSync(canary)).toBe(false);

      await until('idle → working → idle on the remote agent', () => {
        const mine = transitions.filter((t) => t.sessionId === agentId).map((t) => t.to);
        const i = mine.lastIndexOf('working');
        return i >= 0 && mine.slice(i).includes('idle');
      });
      expect(fs.existsSync(canary)).toBe(false);

      // Dropping the server from the config reports its panes exited.
      monitor.setServers([]);
      expect(monitor.list()).toEqual([]);
      expect(transitions.filter((t) => t.sessionId === agentId).at(-1)).toMatchObject({ to: 'exited' });
    } finally {
      monitor.stop();
    }
  });

  it('tells an unreachable host (ssh failed) from a remote tmux that is not running', async () => {
    const unreachable: TmuxServer = { ...remote, ssh: { ...remote.ssh!, host: 'nobody@elsewhere' } };
    const err = await runTmux(unreachable, ['list-panes', '-a']).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(TmuxNotRunning);
    expect(String(err)).toMatch(/cannot reach tmux server "buildbox" over ssh to nobody@elsewhere: fake ssh: unexpected host/);
    await expect(runTmux({ ...remote, socket: 'test-never-started' }, ['list-panes', '-a'])).rejects.toBeInstanceOf(TmuxNotRunning);
  });

  it('identifies a remote agent only from the remote process table, never the local /proc', async () => {
    fs.writeFileSync(psBroken, '');
    const monitor = new SessionMonitor({ servers: [remote], agents: AGENTS, scanIntervalMs: 200 });
    try {
      await monitor.start();
      await monitor.scan();
      const agent = () => monitor.list().find((s) => s.paneId === agentPane);
      // Listed, but without the remote ps nothing says what runs in it (here /proc would say claude).
      expect(agent()).toMatchObject({ id: `buildbox:${agentPane}`, agent: 'other', state: 'unknown' });
      fs.rmSync(psBroken);
      await until('claude identified once the remote ps works', () => agent()?.agent === 'claude');
    } finally {
      fs.rmSync(psBroken, { force: true });
      monitor.stop();
    }
  });

  it('opens a live view over ssh (a control client, no terminal attached), and closing it leaves the agent', async () => {
    const terminals = new TerminalService();
    let seen = '';
    const { id, cols } = await terminals.open(remote, agentPane, { id: 'viewer', readOnly: false }, {
      data: (_id, d) => void (seen += d),
      resized: () => undefined,
      exit: () => undefined,
    });
    try {
      expect(cols).toBeGreaterThan(0);
      await until('the agent screen in the terminal', () => seen.includes('?') && seen.includes('─'));
      expect(sshCommands().some((c) => c.includes(`'tmux' '-u' '-L' '${tmux.socket}' '-C' 'attach-session' '-f' 'ignore-size'`))).toBe(true);
    } finally {
      terminals.close(id, 'viewer');
    }
    expect(tmux.run('list-panes', '-a', '-F', '#{pane_id}')).toContain(agentPane);
    expect(execFileSync('tmux', ['-L', tmux.socket, 'display-message', '-p', '-t', agentPane, '#{pane_dead}'], { encoding: 'utf8' }).trim()).toBe('0');
  });
});
