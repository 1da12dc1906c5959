import { describe, expect, it } from 'vitest';
import { SettleTimer } from '../../../src/main/sessions/settle.js';
import { SessionList, TrackedPane, toSessions } from '../../../src/main/sessions/tracked-pane.js';
import type { Pane } from '../../../src/main/tmux/discover.js';
import { DEFAULT_SERVER, namedServers, sameServer, tmuxServer, type TmuxServer } from '../../../src/main/tmux/server.js';
import { configSessionNames, renamedMessage, renamedSessions } from '../../../src/main/sessions/renamed-sessions.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { WorkflowsFile } from '../../../src/main/config/schemas/workflows.js';

const pane = (cwd: string, title = 'zsh'): Pane => ({
  server: 'test', session: 'dev_worker1', sessionId: '$1', windowIndex: 0, paneIndex: 0, paneId: '%1',
  width: 120, height: 40, cwd, title, pid: 4242, dead: false,
});

describe('a tracked pane between scans', () => {
  const tracked = (): TrackedPane => new TrackedPane(tmuxServer('test'), pane('/src/app'), new SettleTimer(() => undefined));

  it('takes what the latest scan lists', () => {
    const t = tracked();
    t.update(pane('/src/app/lib', 'claude'));
    expect(t.pane).toMatchObject({ cwd: '/src/app/lib', title: 'claude' });
  });

  it('keeps the last known folder while tmux cannot read it (an empty cwd)', () => {
    const t = tracked();
    t.update(pane('', 'claude'));
    expect(t.pane).toMatchObject({ cwd: '/src/app', title: 'claude' });
    t.update(pane('/elsewhere'));
    expect(t.pane.cwd).toBe('/elsewhere');
  });

  it('starts with no folder when the first scan had none, and learns it later', () => {
    const t = new TrackedPane(tmuxServer('test'), pane(''), new SettleTimer(() => undefined));
    t.update(pane(''));
    expect(t.pane.cwd).toBe('');
    t.update(pane('/src/app'));
    expect(t.pane.cwd).toBe('/src/app');
  });
});

describe('a session name', () => {
  const buildbox: TmuxServer = { name: 'buildbox', socket: null, ssh: { host: 'dev@buildbox.lan' } };
  const agentPane = (server: TmuxServer, p: Partial<Pane> = {}): TrackedPane => {
    const t = new TrackedPane(server, { ...pane('/src/app'), server: server.name, ...p }, new SettleTimer(() => undefined));
    t.identify({ agent: 'claude', pid: 4243, command: 'claude', argv: ['claude'] }, 4243);
    return t;
  };

  it('carries its host on a remote machine: a remote dev_worker1 is not the local one', () => {
    const names = toSessions([agentPane(tmuxServer('default')), agentPane(buildbox)], new Set()).map((s) => [s.id, s.name, s.session]);
    expect(names).toEqual([
      ['default:%1', 'dev_worker1', 'dev_worker1'],
      ['buildbox:%1', 'buildbox:dev_worker1', 'dev_worker1'],
    ]);
  });

  it('is the same in a transition as in the list, and a shared remote session names the pane after the host', () => {
    const t = agentPane(buildbox);
    expect(t.setState('idle', 'prompt', null)).toMatchObject({ sessionId: 'buildbox:%1', name: 'buildbox:dev_worker1' });
    const two = toSessions([agentPane(buildbox), agentPane(buildbox, { paneId: '%2', paneIndex: 1 })], new Set());
    expect(two.map((s) => s.name)).toEqual(['buildbox:dev_worker1.0.0', 'buildbox:dev_worker1.0.1']);
  });

  it('is excluded by its qualified name, or by the bare one on every host', () => {
    expect(toSessions([agentPane(buildbox)], new Set(['buildbox:dev_worker1']))[0]!.excluded).toBe(true);
    expect(toSessions([agentPane(buildbox)], new Set(['dev_worker1']))[0]!.excluded).toBe(true);
    expect(toSessions([agentPane(buildbox)], new Set(['gpu:dev_worker1']))[0]!.excluded).toBe(false);
  });
});

describe('local tmux servers after the first', () => {
  const buildbox: TmuxServer = { name: 'buildbox', socket: null, ssh: { host: 'dev@buildbox.lan' } };
  const agentPane = (server: TmuxServer): TrackedPane => {
    const t = new TrackedPane(server, { ...pane('/src/app'), server: server.name }, new SettleTimer(() => undefined));
    t.identify({ agent: 'claude', pid: 4243, command: 'claude', argv: ['claude'] }, 4243);
    return t;
  };

  it('name their sessions socket:session; the first local server (default, or the first socket) keeps plain names', () => {
    const [def, b, host, c] = namedServers([DEFAULT_SERVER, tmuxServer('b'), buildbox, tmuxServer('c')]);
    expect([def, b, host, c].map((s) => s!.qualifier ?? null)).toEqual([null, 'b', null, 'c']);
    expect(toSessions([def!, b!, host!, c!].map(agentPane), new Set()).map((s) => s.name)).toEqual(['dev_worker1', 'b:dev_worker1', 'buildbox:dev_worker1', 'c:dev_worker1']);
    // Without the default server the first socket is first; a remote host never is.
    expect(namedServers([buildbox, tmuxServer('a'), tmuxServer('b')]).map((s) => s.qualifier ?? null)).toEqual([null, null, 'b']);
    // The same list named again keeps its objects (a reload that changed nothing drops nothing).
    const once = namedServers([tmuxServer('a'), tmuxServer('b')]);
    expect(namedServers(once).every((s, i) => s === once[i])).toBe(true);
  });

  it('are excluded by the qualified name, or by the bare one on every server', () => {
    const [, b] = namedServers([tmuxServer('a'), tmuxServer('b')]);
    expect(toSessions([agentPane(b!)], new Set(['b:dev_worker1']))[0]!.excluded).toBe(true);
    expect(toSessions([agentPane(b!)], new Set(['dev_worker1']))[0]!.excluded).toBe(true);
  });
});

describe('local sessions on a shared queue', () => {
  const buildbox: TmuxServer = { name: 'buildbox', socket: null, ssh: { host: 'dev@buildbox.lan' } };
  const agentPane = (server: TmuxServer): TrackedPane => {
    const t = new TrackedPane(server, { ...pane('/src/app'), server: server.name }, new SettleTimer(() => undefined));
    t.identify({ agent: 'claude', pid: 4243, command: 'claude', argv: ['claude'] }, 4243);
    return t;
  };
  const names = (servers: TmuxServer[]): string[] => toSessions(servers.map(agentPane), new Set()).map((s) => s.name);

  it('carry the machine: HOST:w1 on the default server, socket@HOST:w1 on a -L socket one, whatever else is watched; a remote host keeps host:w1', () => {
    expect(names(namedServers([DEFAULT_SERVER, tmuxServer('b'), buildbox], 'hostA'))).toEqual(['hostA:dev_worker1', 'b@hostA:dev_worker1', 'buildbox:dev_worker1']);
    // Without the default server the first --tmux-socket is the first local one, and still carries its socket.
    expect(names(namedServers([buildbox, tmuxServer('agents'), tmuxServer('b')], 'hostA'))).toEqual(['buildbox:dev_worker1', 'agents@hostA:dev_worker1', 'b@hostA:dev_worker1']);
    // Two machines: never one name for two panes.
    expect(names(namedServers([DEFAULT_SERVER], 'hostA'))).not.toEqual(names(namedServers([DEFAULT_SERVER], 'hostB')));
    // Two consoles on one machine, one watching the default server, the other (--no-default-tmux) `-L agents`: two names.
    expect(names(namedServers([DEFAULT_SERVER], 'hostA'))).not.toEqual(names(namedServers([tmuxServer('agents')], 'hostA')));
    // Two consoles watching the same server of one machine agree, whatever else each watches.
    expect(names(namedServers([tmuxServer('agents')], 'hostA'))).toEqual(names(namedServers([DEFAULT_SERVER, tmuxServer('agents')], 'hostA')).slice(1));
    // Without a host (a single console on SQLite) nothing changes.
    expect(names(namedServers([DEFAULT_SERVER, tmuxServer('b')]))).toEqual(['dev_worker1', 'b:dev_worker1']);
  });

  it('is a change of naming: the server is told apart from the same server named alone (a reload keeps it only when the naming is the same)', () => {
    const [shared] = namedServers([DEFAULT_SERVER], 'hostA');
    const [alone] = namedServers([DEFAULT_SERVER]);
    expect(sameServer(shared!, alone!)).toBe(false);
    expect(shared!.name).toBe('default'); // what clients and panes are keyed by is unchanged
    const once = namedServers([DEFAULT_SERVER, tmuxServer('b')], 'hostA');
    expect(namedServers(once, 'hostA').every((s, i) => s === once[i])).toBe(true);
    expect(namedServers(once).map((s) => s.qualifier ?? null)).toEqual([null, 'b']);
  });

  it('are excluded by HOST:w1, or by the bare name on every server', () => {
    const [def, b] = namedServers([DEFAULT_SERVER, tmuxServer('b')], 'hostA');
    expect(toSessions([agentPane(def!)], new Set(['hostA:dev_worker1']))[0]!.excluded).toBe(true);
    expect(toSessions([agentPane(def!)], new Set(['dev_worker1']))[0]!.excluded).toBe(true);
    expect(toSessions([agentPane(b!)], new Set(['dev_worker1']))[0]!.excluded).toBe(true);
    expect(toSessions([agentPane(def!)], new Set(['hostB:dev_worker1']))[0]!.excluded).toBe(false);
  });
});

describe('config names of renamed sessions', () => {
  const config = {
    routing: RoutingFile.parse({
      version: '1',
      environment_routing: { fix: { preferred_sessions: ['w1', 'w2', 'b:w3', 'w4'] } },
      supported_providers: ['claude'],
      excluded_sessions: ['w2'],
      fallback_rules: [{ condition: 'task_type_unknown', action: 'route_to_default', default_session: 'w2' }],
    }),
    sla: SlaFile.parse({ version: '1', sla_targets: {}, escalation_rules: [{ condition: 'true', action: 'reassign', to_session: 'w2' }] }),
    workflows: WorkflowsFile.parse({ version: '1', workflows: {} }),
  };
  const sessions = [
    { name: 'w1', server: 'a' },
    { name: 'b:w1', server: 'b' },
    { name: 'b:w2', server: 'b' },
    { name: 'b:w3', server: 'b' },
    { name: 'c:w4.0.1', server: 'c' },
  ];

  it('are those that name no session while a session once named so carries its server now (not excluded_sessions: a bare name excludes on every server)', () => {
    const found = renamedSessions(configSessionNames(config), sessions).map((r) => [r.file, r.at.join('.'), r.name, r.now]);
    expect(found).toEqual([
      ['routing_rules', 'environment_routing.fix.preferred_sessions.1', 'w2', ['b:w2']],
      ['routing_rules', 'environment_routing.fix.preferred_sessions.3', 'w4', ['c:w4']],
      ['routing_rules', 'fallback_rules.0.default_session', 'w2', ['b:w2']],
      ['sla_rules', 'escalation_rules.0.to_session', 'w2', ['b:w2']],
    ]);
  });

  it('include a plain name whose session carries this machine on a shared queue (HOST:w1, b@HOST:w1), with what to write instead', () => {
    const shared = [
      { name: 'hostA:w1', server: 'default' },
      { name: 'b@hostA:w2', server: 'b' },
      { name: 'b@hostA:w3', server: 'b' },
      { name: 'hostA:w4.0.1', server: 'default' },
    ];
    const found = renamedSessions(configSessionNames(config), shared);
    expect(found.map((r) => [r.at.join('.'), r.name, r.now])).toEqual([
      ['environment_routing.fix.preferred_sessions.0', 'w1', ['hostA:w1']],
      ['environment_routing.fix.preferred_sessions.1', 'w2', ['b@hostA:w2']],
      ['environment_routing.fix.preferred_sessions.3', 'w4', ['hostA:w4']],
      ['fallback_rules.0.default_session', 'w2', ['b@hostA:w2']],
      ['escalation_rules.0.to_session', 'w2', ['b@hostA:w2']],
    ]);
    expect(renamedMessage(found[0]!)).toContain('preferred_sessions "w1" names no session now: that session is named "hostA:w1"');
    expect(renamedMessage(found[0]!)).toContain('write "hostA:w1" here');
  });
});

describe('the session list between publishes', () => {
  const server = tmuxServer('default');
  const agent = (session: string, paneId: string, paneIndex = 0): TrackedPane => {
    const t = new TrackedPane(server, { ...pane('/src/app'), server: 'default', session, paneId, paneIndex }, new SettleTimer(() => undefined));
    t.identify({ agent: 'claude', pid: 4243, command: 'claude', argv: ['claude'] }, 4243);
    return t;
  };

  it('builds only the panes that changed, and names again when a pane moves to another tmux session', () => {
    const panes = Array.from({ length: 50 }, (_, i) => agent(`w${i}`, `%${i}`));
    const list = new SessionList();
    const excluded = new Set<string>();
    const first = list.build([...panes], excluded);
    expect(list.builds).toBe(50);
    // Nothing moved: the same objects, nothing built.
    const again = list.build([...panes], excluded);
    expect(list.builds).toBe(50);
    again.forEach((s, i) => expect(s).toBe(first[i]));
    // One pane printed: that one built, the others the same objects.
    panes[7]!.lastLine = '> working';
    const printed = list.build([...panes], excluded);
    expect(list.builds).toBe(51);
    expect(printed[7]).toMatchObject({ name: 'w7', lastLine: '> working' });
    printed.forEach((s, i) => (i === 7 ? expect(s).not.toBe(first[i]) : expect(s).toBe(first[i])));
    // w8's pane now in w9's tmux session: both are named session.window.pane from now on.
    panes[8]!.update({ ...panes[8]!.pane, session: 'w9', paneIndex: 1 });
    const moved = list.build([...panes], excluded);
    expect(moved.slice(7, 10).map((s) => s.name)).toEqual(['w7', 'w9.0.1', 'w9.0.0']);
    expect(moved).toEqual(toSessions([...panes], excluded));
    // Excluded names changed (a new set): applied to every pane.
    const excludeW7 = new Set(['w7']);
    expect(list.build([...panes], excludeW7).filter((s) => s.excluded).map((s) => s.name)).toEqual(['w7']);
  });
});
