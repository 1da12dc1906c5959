import { describe, expect, it } from 'vitest';
import { SettleTimer } from '../../../src/main/sessions/settle.js';
import { TrackedPane } from '../../../src/main/sessions/tracked-pane.js';
import type { Pane } from '../../../src/main/tmux/discover.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';

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
