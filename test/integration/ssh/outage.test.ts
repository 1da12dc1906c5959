import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { HOST_UNREACHABLE } from '../../../src/main/sessions/host-outages.js';
import { loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import type { SessionTransition } from '../../../src/main/sessions/sink.js';
import type { TmuxServer } from '../../../src/main/tmux/server.js';
import { pollUntil } from '../../support/poll.js';
import { RemoteHost } from './remote-host.js';
import { sshdMissing } from './real-sshd.js';

// A remote host whose link fails under a running monitor, against a real sshd: killed
// (connections reset, port closed) and frozen (sockets open, nothing answers, as when
// packets are dropped). Its sessions must read unknown "host unreachable", never
// exited, and come back with their state once sshd answers again.
const AGENTS = loadAgentManifests(path.resolve(import.meta.dirname, '../../../config/base/agents.yaml'));
/** A frozen link is noticed by ssh's keep-alives (15 s) plus a connect timeout (5 s); generous for two busy cores. */
const WAIT_MS = 90_000;
const TEST_MS = 240_000;
const missing = sshdMissing();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-ssh-outage-'));
let host: RemoteHost;
let remote: TmuxServer;
let monitor: SessionMonitor;
const transitions: SessionTransition[] = [];
let agentId = '';
let shellId = '';

const until = <T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>): Promise<T> =>
  pollUntil(what, check, { limitMs: WAIT_MS, intervalMs: 100 });
const session = (id: string): Session | undefined => monitor.list().find((s) => s.id === id);

beforeAll(async () => {
  if (missing) return;
  host = await RemoteHost.start();
  const agentLog = path.join(dir, 'agent.log');
  fs.writeFileSync(agentLog, '');
  agentId = `buildbox:${host.newSession('dev_worker1', ['claude', agentLog])}`;
  shellId = `buildbox:${host.newSession('shell', ['sh'])}`;
  remote = host.server('buildbox', path.join(dir, 'ctl'));
  monitor = new SessionMonitor({ servers: [remote], agents: AGENTS, scanIntervalMs: 1_000 });
  monitor.onChange((_s, t) => transitions.push(...t));
  await monitor.start();
  await until('the remote agent idle', () => session(agentId)?.state === 'idle');
}, TEST_MS);

afterAll(async () => {
  monitor?.stop();
  if (remote) host.closeMaster(remote);
  await host?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The host's sessions read unknown (host unreachable), still listed, none exited. */
async function expectUnreachable(since: number): Promise<void> {
  await until('both sessions unknown (host unreachable)', () =>
    [agentId, shellId].every((id) => session(id)?.state === 'unknown' && session(id)?.reason === HOST_UNREACHABLE));
  expect(transitions.slice(since).filter((t) => t.to === 'exited')).toEqual([]);
  expect(transitions.slice(since).find((t) => t.sessionId === agentId)).toMatchObject({ from: 'idle', to: 'unknown', reason: HOST_UNREACHABLE });
}

/** Back with its state (read from the screen again), over one shared connection. */
async function expectRecovered(): Promise<void> {
  await until('the agent idle again', () => session(agentId)?.state === 'idle' && session(agentId)?.reason !== HOST_UNREACHABLE);
  await until('the shell pane back to "no agent running"', () => session(shellId)?.reason === 'no agent running');
  await until('one connection to sshd', () => host.sshd.connections() === 1);
}

describe.skipIf(missing)(`a remote host whose link fails${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('sshd killed: unknown (host unreachable), not exited, kept that way while down; back with their state when it returns', { timeout: TEST_MS }, async () => {
    const since = transitions.length;
    await host.sshd.drop();
    await expectUnreachable(since);
    // A few full scans later it is still so: scans leave a host in an outage alone.
    const before = transitions.length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect(transitions.slice(before)).toEqual([]);
    expect(monitor.list().map((s) => s.id).sort()).toEqual([agentId, shellId].sort());

    await host.sshd.restart();
    await expectRecovered();
    expect(transitions.slice(since).filter((t) => t.to === 'exited')).toEqual([]);
  });

  it('the link hangs (sshd frozen, sockets open): unknown once the keep-alives give up; back after it thaws', { timeout: TEST_MS }, async () => {
    const since = transitions.length;
    host.sshd.freeze();
    try {
      await expectUnreachable(since);
    } finally {
      host.sshd.thaw();
    }
    await expectRecovered();
  });
});
