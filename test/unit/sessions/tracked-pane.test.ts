import { describe, expect, it } from 'vitest';
import { SettleTimer } from '../../../src/main/sessions/settle.js';
import { TrackedPane, toSessions } from '../../../src/main/sessions/tracked-pane.js';
import type { Pane } from '../../../src/main/tmux/discover.js';
import { tmuxServer, type TmuxServer } from '../../../src/main/tmux/server.js';

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
