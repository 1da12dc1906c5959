import { afterEach, describe, expect, it } from 'vitest';
import { discover } from '../../../src/main/tmux/discover.js';
import { runTmux, tmuxServer } from '../../../src/main/tmux/server.js';
import { PrivateTmux } from './tmux-fixture.js';

// A console started where the locale is not UTF-8 (cron, systemd, an ssh session
// without LANG, a bare container) must still see every pane: tmux then prints the
// \x1f separators of list-panes as `_`, and agents' ❯ as `_`, unless told UTF-8 (-u).

describe('tmux in a locale that is not UTF-8', () => {
  const tmux = new PrivateTmux();
  const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_CTYPE: process.env.LC_CTYPE };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    tmux.cleanup();
  });

  it('still discovers the panes and reads their UTF-8 screens', async () => {
    const pane = tmux.newSession('dev_worker1');
    tmux.type(pane, "printf '\\342\\235\\257 ready\\n'");
    process.env.LC_ALL = 'C';
    process.env.LANG = 'C';
    delete process.env.LC_CTYPE;
    const server = tmuxServer(tmux.socket);
    const panes = await discover(server);
    expect(panes.map((p) => p.paneId)).toEqual([pane]);
    let screen = '';
    for (let i = 0; i < 100 && !screen.includes('❯ ready'); i++) {
      screen = await runTmux(server, ['capture-pane', '-p', '-t', pane]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(screen).toContain('❯ ready');
  });
});
