import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { ControlClient } from '../../../src/main/tmux/control-client.js';
import { discover } from '../../../src/main/tmux/discover.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import { MemorySessionSink, type SessionTransition } from '../../../src/main/sessions/sink.js';
import { MAX_DELAY_MS } from '../../../src/main/sessions/settle.js';
import { pollUntil } from '../../support/poll.js';
import { AGENTS_YAML, PrivateTmux, waitUntil } from './tmux-fixture.js';

const agents = loadAgentManifests(AGENTS_YAML);

describe('SessionMonitor on a private tmux server', () => {
  let tmux: PrivateTmux;
  let monitor: SessionMonitor | null = null;

  beforeEach(() => {
    tmux = new PrivateTmux();
  });
  afterEach(() => {
    monitor?.stop();
    monitor = null;
    tmux.cleanup();
  });

  function watch(m: SessionMonitor) {
    const transitions: SessionTransition[] = [];
    m.onChange((_s, t) => transitions.push(...t));
    const until = (what: string, check: (sessions: Session[]) => boolean) =>
      waitUntil((cb) => m.onChange(cb), () => check(m.list()), what);
    return { transitions, until };
  }

  it('discovers every pane with one list-panes, including odd titles', async () => {
    const a = tmux.newSession('dev_worker1');
    tmux.tmux('split-window', '-t', a);
    tmux.newSession('codex');
    tmux.tmux('select-pane', '-t', a, '-T', 'weird | title ; $(rm -rf /) ✳ end');
    // Until a new pane's shell runs, tmux cannot read its folder and lists it as ''
    // (the monitor keeps the last known one: tracked-pane.test.ts). Compare lists of
    // started panes, or the two reads below may straddle that moment.
    const panes = await pollUntil('three started panes', async () => {
      const listed = await discover(tmuxServer(tmux.socket));
      return listed.length === 3 && listed.every((p) => p.cwd !== '') && listed;
    }, { limitMs: 10_000 });
    expect(panes.map((p) => p.session).sort()).toEqual(['codex', 'dev_worker1', 'dev_worker1']);
    const titled = panes.find((p) => p.paneId === a)!;
    expect(titled.title).toContain('weird | title ; $(rm -rf /)');
    expect(titled).toMatchObject({ server: tmux.socket, windowIndex: 0, width: 200, dead: false });
    expect(titled.pid).toBeGreaterThan(1);

    // The same list over an open control client (what the monitor uses once attached).
    let exited = false;
    const client = new ControlClient(tmuxServer(tmux.socket), titled.sessionId, { onOutput: () => {}, onLayoutChange: () => {}, onExit: () => (exited = true) });
    try {
      expect(await discover(tmuxServer(tmux.socket), client)).toEqual(panes);
      expect(exited).toBe(false);
    } finally {
      client.close();
    }
    // A closed client falls back to one exec.
    expect(await discover(tmuxServer(tmux.socket), client)).toEqual(panes);
  });

  it('follows a replayed Claude session idle → working → waiting → idle → exited, with no flicker', async () => {
    const pane = tmux.newSession('dev_worker1');
    const sink = new MemorySessionSink();
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents, sink, excluded: ['dev_worker1'], scanIntervalMs: 1_000 });
    const { transitions, until } = watch(monitor);
    await monitor.start();
    // The pane starts as `env PATH=… sh`: for a moment its process is env (other), until env execs sh.
    await until('the shell', (l) => l.some((s) => s.paneId === pane && s.agent === 'shell'));
    expect(monitor.list()[0]).toMatchObject({ agent: 'shell', state: 'unknown', paneId: pane });

    const stateIs = (s: Session['state']) => (list: Session[]) => list.some((x) => x.paneId === pane && x.state === s);
    tmux.type(pane, 'claude claude-2.1.197-idle claude-2.1.197-working claude-2.1.197-approval claude-2.1.197-idle-after-turn');
    await until('idle', stateIs('idle'));
    const session = monitor.list().find((s) => s.paneId === pane)!;
    expect(session).toMatchObject({ agent: 'claude', name: 'dev_worker1', excluded: true, command: 'claude', reason: 'claude-prompt' });
    expect(session.lastOutputAt).not.toBeNull();
    tmux.tmux('send-keys', '-t', pane, 'Enter');
    await until('working', stateIs('working'));
    tmux.tmux('send-keys', '-t', pane, 'Enter');
    await until('waiting', stateIs('waiting'));
    expect(monitor.list().find((s) => s.paneId === pane)?.reason).toBe('approval');
    tmux.tmux('send-keys', '-t', pane, 'Enter');
    await until('idle again', (l) => transitions.filter((t) => t.to === 'idle').length === 2 && stateIs('idle')(l));
    tmux.tmux('send-keys', '-t', pane, 'Enter'); // the fake agent ends: back to sh
    await until('exited', stateIs('exited'));

    const seen = transitions.filter((t) => t.sessionId.endsWith(pane)).map((t) => t.to);
    expect(seen).toEqual(['idle', 'working', 'waiting', 'idle', 'exited']);
    expect(sink.transitions.map((t) => t.to)).toEqual(seen);
    expect([...sink.sessions.values()][0]).toMatchObject({ agent: 'claude', state: 'exited' });
  });

  it('holds the state through a blank frame of a live agent (a redraw between its clear and its paint)', async () => {
    const pane = tmux.newSession('dev_worker1');
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents, scanIntervalMs: 1_000 });
    const m = monitor;
    const { transitions, until } = watch(m);
    await m.start();
    await until('the shell', (l) => l.some((s) => s.paneId === pane && s.agent === 'shell'));
    const mine = () => m.list().find((s) => s.paneId === pane);
    tmux.type(pane, 'claude claude-2.1.197-idle-captured blank claude-2.1.197-working-captured');
    await until('idle', () => mine()?.state === 'idle');
    expect(mine()?.lastLine).not.toBeNull();
    tmux.tmux('send-keys', '-t', pane, 'Enter');
    // The blank frame has been read once the last line with text is gone; the state read
    // before it stands (the rules alone read a blank screen as unknown).
    const held = await pollUntil('the blank frame read', () => mine()?.lastLine === null && mine(), { limitMs: 10_000 });
    expect(held).toMatchObject({ state: 'idle', reason: 'claude-prompt' });
    tmux.tmux('send-keys', '-t', pane, 'Enter');
    await until('working', () => mine()?.state === 'working');
    expect(transitions.filter((t) => t.sessionId.endsWith(pane)).map((t) => t.to)).toEqual(['idle', 'working']);
  });

  it("a waiting session's detail carries the dialog on its screen: question, context and options (real approval screens)", async () => {
    const screens: Array<[string, string]> = [['claude', 'claude-2.1.332-approval-captured'], ['codex', 'codex-0.169.0-approval-captured'], ['gemini', 'gemini-0.61.0-approval-captured']];
    const panes = screens.map(([agent, screen]) => {
      const pane = tmux.newSession(`${agent}_w`);
      tmux.type(pane, `${agent} ${screen}`);
      return pane;
    });
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents, scanIntervalMs: 1_000 });
    const m = monitor;
    await m.start();
    const dialogOf = (pane: string) => m.list().find((s) => s.paneId === pane && s.state === 'waiting')?.detail?.dialog;
    await waitUntil((cb) => m.onChange(cb), () => panes.every((p) => dialogOf(p)), 'three dialogs read');
    const [claude, codex, gemini] = panes.map((p) => dialogOf(p)!);
    expect(claude).toMatchObject({ dialogId: 'claude-permission', kind: 'approval', question: 'Do you want to proceed?' });
    expect(claude!.context).toContain('rm -rf ./build-output');
    expect(claude!.options.map((o) => o.label)).toEqual(['Yes', expect.stringMatching(/^Yes, and always allow access to /), expect.stringMatching(/^Yes, and switch to auto mode/), 'No']);
    expect(codex).toMatchObject({ kind: 'approval', question: 'Would you like to run the following command?', context: expect.arrayContaining(['Reason: Remove the build output?', '$ rm -rf ./build-output']) });
    expect(codex!.options.map((o) => o.n)).toEqual([1, 2, 3]);
    expect(codex!.options[0]!.label).toBe('Yes, proceed (y)');
    expect(gemini).toMatchObject({ kind: 'approval', question: 'Allow execution of [Shell]?' });
    expect(gemini!.options.map((o) => o.label)).toEqual(['Allow once', 'Allow for this session', 'No, suggest changes (esc)']);
    // The same id the Attention inbox uses to refuse an answer to a dialog that has gone.
    expect(claude!.id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('a pane killed mid-run becomes exited, and a restarted server is found again', async () => {
    const keep = tmux.newSession('keeper');
    const doomed = tmux.newSession('codex_worker');
    // A second server (not running) after ours: a scan awaits it after dropping our closed pane.
    const servers = [tmuxServer(tmux.socket), tmuxServer(`${tmux.socket}-absent`)];
    monitor = new SessionMonitor({ servers, agents, scanIntervalMs: 300 });
    const { transitions, until } = watch(monitor);
    await monitor.start();
    tmux.type(doomed, 'codex codex-0.169.0-working');
    await until('codex working', (l) => l.some((s) => s.paneId === doomed && s.agent === 'codex' && s.state === 'working'));
    // Whoever reads list() (the assigner does, on its own schedule) never sees the pane
    // vanish before its 'exited' transition went out: else its task would be lost as "gone".
    const doomedId = monitor.list().find((s) => s.paneId === doomed)!.id;
    let vanishedUnannounced = false;
    let polling = true;
    const poll = () => {
      if (!monitor?.list().some((s) => s.id === doomedId) && !transitions.some((t) => t.sessionId === doomedId && t.to === 'exited')) vanishedUnannounced = true;
      if (polling) setImmediate(poll);
    };
    poll();
    tmux.tmux('kill-pane', '-t', doomed);
    await until('codex pane gone', (l) => !l.some((s) => s.paneId === doomed));
    await new Promise((r) => setTimeout(r, 50));
    polling = false;
    expect(vanishedUnannounced).toBe(false);
    // kill-pane hangs up the agent and its shell: a scan may catch the agent gone
    // while the pane still closes, or only the closed pane. Exited either way.
    expect(transitions.at(-1)).toMatchObject({
      to: 'exited',
      from: 'working',
      agent: 'codex',
      reason: expect.stringMatching(/^(pane closed|codex exited; no process in the foreground)$/),
    });
    expect(monitor.list().map((s) => s.paneId)).toEqual([keep]);

    tmux.killServer();
    await until('server gone', (l) => l.length === 0);
    const pane = tmux.newSession('gemini_worker');
    tmux.type(pane, 'gemini gemini-0.61.0-idle');
    await until('gemini idle on the restarted server', (l) => l.some((s) => s.agent === 'gemini' && s.state === 'idle'));
  });

  it('tells listeners when the process in a pane changes without a state change (sleep execs sh)', async () => {
    const pane = tmux.tmux('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', 'later', 'sh', '-c', 'sleep 2; exec sh').trim();
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents, scanIntervalMs: 300 });
    const { transitions, until } = watch(monitor);
    await monitor.start();
    await until('sleep', (l) => l.some((s) => s.paneId === pane && s.agent === 'other' && s.command === 'sleep'));
    // No transition (unknown → unknown), but the listener hears of it and sees the shell.
    await until('the shell', (l) => l.some((s) => s.paneId === pane && s.agent === 'shell' && s.command === 'sh' && s.state === 'unknown'));
    expect(transitions.filter((t) => t.sessionId.endsWith(pane) && t.to !== 'unknown')).toEqual([]);
  });

  it('a config reload identifies every pane afresh, though its processes did not change', async () => {
    // Scans skip the command lines of a pane whose processes are the same as last time;
    // new rules must still apply at once (here: an agent the first rules did not know).
    const pane = tmux.newSession('later');
    tmux.type(pane, 'exec claude claude-2.1.197-idle');
    const { claude: _claude, ...others } = agents.agents;
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents: { ...agents, agents: others }, scanIntervalMs: 1_000 });
    const { until } = watch(monitor);
    await monitor.start();
    // Without its manifest the fake claude (a sh script) is a shell.
    await until('claude read as a shell', (l) => l.some((s) => s.paneId === pane && s.agent === 'shell' && s.command === 'claude'));
    await new Promise((r) => setTimeout(r, 2_500)); // scans with the same processes
    const session = monitor.list().find((s) => s.paneId === pane)!;
    expect(session.agent).toBe('shell');
    const lastBefore = monitor.recentScans.at(-1)!;
    const reloaded = Date.now();
    monitor.setManifests(agents);
    await until('claude identified', (l) => l.some((s) => s.paneId === pane && s.agent === 'claude' && s.state === 'idle'));
    // By the reload's own scan (every pane's turn), not the pane's turn (every 6 scans, 6 s here).
    expect(Date.now() - reloaded).toBeLessThan(4_000);
    const since = monitor.recentScans.slice(monitor.recentScans.indexOf(lastBefore) + 1);
    expect(since.some((s) => s.all && s.identified.includes(session.id))).toBe(true);
  });

  it('re-reads unchanged panes a sixth per scan, each one every sixth scan, not all in one scan', async () => {
    // 12 claude panes (6 sessions of 2) whose screens stay put once shown.
    const panes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const first = tmux.newSession(`w${i}`, 200, 80);
      const second = tmux.tmux('split-window', '-t', first, '-P', '-F', '#{pane_id}', 'env', `PATH=${tmux.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, 'PS1=$ ', 'sh').trim();
      panes.push(first, second);
    }
    for (const pane of panes) tmux.type(pane, 'claude claude-2.1.197-idle');
    // No periodic scans: the test runs each one.
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents, scanIntervalMs: 3_600_000 });
    const m = monitor;
    const { until } = watch(m);
    await m.start();
    expect(m.recentScans[0]).toMatchObject({ all: true });
    expect(m.recentScans[0]!.identified).toHaveLength(12);
    await until('12 claude panes idle', (l) => l.filter((s) => s.agent === 'claude' && s.state === 'idle').length === 12);
    const ids = m.list().map((s) => s.id).sort();
    // A pane that printed (or whose client just attached) is left to its settle timer, not
    // read by a scan: let every timer run out first.
    await new Promise((r) => setTimeout(r, 5 * MAX_DELAY_MS));
    for (let i = 0; i < 12; i++) await m.scan();
    const scans = m.recentScans;
    expect(scans).toHaveLength(12);
    for (const scan of scans) {
      expect(scan.all).toBe(false);
      expect(scan.identified.length).toBeLessThanOrEqual(2);
      expect(scan.screensRead.length).toBeLessThanOrEqual(2);
    }
    // Any six scans in a row identify every pane afresh and re-read every screen.
    for (let from = 0; from + 6 <= scans.length; from++) {
      const window = scans.slice(from, from + 6);
      expect([...new Set(window.flatMap((s) => s.identified))].sort()).toEqual(ids);
      expect([...new Set(window.flatMap((s) => s.screensRead))].sort()).toEqual(ids);
    }
    expect(m.list().every((s) => s.state === 'idle')).toBe(true);
  });

  it('explains which rule decided', async () => {
    const pane = tmux.newSession('g');
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents, scanIntervalMs: 1_000 });
    const { until } = watch(monitor);
    await monitor.start();
    tmux.type(pane, 'gemini gemini-0.61.0-approval');
    await until('waiting', (l) => l.some((s) => s.state === 'waiting'));
    const e = await monitor.explain(`${tmux.socket}:g:0.0`);
    expect(e.result).toMatchObject({ state: 'waiting', ruleId: 'gemini-allow' });
    expect(e.verdicts.find((v) => v.ruleId === 'gemini-allow')?.evidence).toContain('Allow execution of [Shell]?');
    await expect(monitor.explain('%999')).rejects.toThrow(/no pane %999/);
    await expect(monitor.explain('nonsense')).rejects.toThrow(/not a pane/);
  });
});
