import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import type { SessionTransition } from '../../../src/main/sessions/sink.js';
import { ControlClient, GATE_LIMIT_MS } from '../../../src/main/tmux/control-client.js';
import { tmuxServer, type TmuxServer } from '../../../src/main/tmux/server.js';
import { pollUntil } from '../../support/poll.js';
import { spawnerForSuite } from '../../support/spawner.js';
import { AGENTS_YAML, PrivateTmux, waitUntil } from './tmux-fixture.js';

const agents = loadAgentManifests(AGENTS_YAML);
/** A pane's turn to be read anew comes every 6th scan (12 s apart): within a hold (under GATE_LIMIT_MS) only polling reads a pane. */
const SCAN_MS = 2_000;
/** A polled pane's change is seen by the next scan: within one interval, and some time to read it. */
const POLLED_WITHIN_MS = 2 * SCAN_MS + 1_000;
const SCREENS = 'claude-2.1.197-idle claude-2.1.197-working claude-2.1.197-approval';

// A session's control client reports its panes' output only once tmux has attached it.
// Until then (waiting at the server's gate, identifying, attaching, its pipes on their way from the
// spawn helper) its panes are read by the scans. These hold new clients at the gate for
// seconds with a real client of ours that is slow to exit.
describe.each([
  ['started here', false],
  ['started by the spawn helper', true],
] as const)('SessionMonitor while a session client is not attached, clients %s', (_name, helped) => {
  let tmux: PrivateTmux;
  let monitor: SessionMonitor | null = null;
  spawnerForSuite(helped);
  beforeEach(() => {
    tmux = new PrivateTmux();
  });
  afterEach(() => {
    monitor?.stop();
    monitor = null;
    tmux.cleanup();
  });

  /**
   * A client of ours, stopped (SIGSTOP) and closed: it acts neither on the end of its
   * input nor on SIGTERM, so it is being ended until it exits, and until then (or
   * GATE_LIMIT_MS) no new client of the server starts (ServerGate). Returns the release.
   */
  async function holdGate(server: TmuxServer, sessionId: string): Promise<() => void> {
    const holder = new ControlClient(server, sessionId, { onOutput: () => {}, onLayoutChange: () => {}, onExit: () => {} });
    await holder.command('display-message -p answered');
    const pid = holder.pid!;
    process.kill(pid, 'SIGSTOP');
    holder.close();
    return () => process.kill(pid, 'SIGCONT'); // it exits (SIGTERM): the gate opens
  }

  const attachedTo = () => tmux.tmux('list-clients', '-F', '#{client_session}').split('\n').filter(Boolean);

  function watch(m: SessionMonitor, pane: () => string) {
    const transitions: SessionTransition[] = [];
    m.onChange((_s, t) => transitions.push(...t));
    const mine = () => m.list().find((s) => s.paneId === pane());
    const until = (state: string, what = state) => waitUntil((cb) => m.onChange(cb), () => mine()?.state === state, what, POLLED_WITHIN_MS);
    const seen = () => transitions.filter((t) => t.sessionId.endsWith(pane())).map((t) => t.to);
    return { mine, until, seen };
  }

  it('a change in its pane is seen by polling within a scan; once tmux attaches it, the client reports the next one', async () => {
    const server = tmuxServer(tmux.socket);
    const keeper = tmux.newSession('keeper');
    const m = (monitor = new SessionMonitor({ servers: [server], agents, scanIntervalMs: SCAN_MS }));
    let pane = '';
    const { mine, until, seen } = watch(m, () => pane);
    await m.start();
    await pollUntil("the keeper session's client attached", () => m.commander(server)?.attached, { limitMs: 10_000 });

    const release = await holdGate(server, tmux.tmux('display-message', '-p', '-t', keeper, '#{session_id}').trim());
    const heldAt = Date.now();
    try {
      // A session that appears now: its client waits at the gate.
      pane = tmux.newSession('worker');
      tmux.type(pane, `claude ${SCREENS}`);
      await until('idle');
      tmux.tmux('send-keys', '-t', pane, 'Enter');
      await until('working', 'working, read by polling');
      // Seen while the worker's client still waits: nothing reported the pane's output.
      expect(Date.now() - heldAt).toBeLessThan(GATE_LIMIT_MS);
      expect(attachedTo()).not.toContain('worker');
      expect(mine()?.lastOutputAt).toBeNull();
    } finally {
      release();
    }

    await pollUntil("the worker session's client attached", () => attachedTo().includes('worker'), { limitMs: 10_000 });
    const pressed = Date.now();
    tmux.tmux('send-keys', '-t', pane, 'Enter');
    await until('waiting');
    // Reported by the client: the pane's output was seen (a scan's read reports none).
    expect(Date.parse(mine()!.lastOutputAt!)).toBeGreaterThanOrEqual(pressed);
    expect(seen()).toEqual(['idle', 'working', 'waiting']);
  });

  it('a monitor that starts while every new client of the server waits reads its panes at once, not over those clients', async () => {
    const server = tmuxServer(tmux.socket);
    const pane = tmux.newSession('worker');
    tmux.type(pane, `claude ${SCREENS}`);
    await pollUntil('the idle screen', () => tmux.tmux('capture-pane', '-p', '-t', pane).includes('? for shortcuts'), { limitMs: 10_000 });
    const release = await holdGate(server, tmux.tmux('display-message', '-p', '-t', pane, '#{session_id}').trim());
    const heldAt = Date.now();
    try {
      const m = (monitor = new SessionMonitor({ servers: [server], agents, scanIntervalMs: SCAN_MS }));
      const { until, seen } = watch(m, () => pane);
      await m.start();
      await until('idle');
      tmux.tmux('send-keys', '-t', pane, 'Enter');
      await until('working', 'working, read by polling');
      expect(Date.now() - heldAt).toBeLessThan(GATE_LIMIT_MS);
      expect(attachedTo()).toEqual(['worker']); // the stopped one only
      expect(seen()).toEqual(['idle', 'working']);
    } finally {
      release();
    }
  });
});
