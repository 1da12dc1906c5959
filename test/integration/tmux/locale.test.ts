import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../../../src/main/tmux/discover.js';
import { runTmux, tmuxServer } from '../../../src/main/tmux/server.js';
import { PrivateTmux } from '../../support/tmux.js';

// tmux judges UTF-8 by the locale of whoever runs it and, without one, turns every
// non-ASCII or control character of its output into "_": the list-panes separators
// too. An ssh login has no locale unless sshd passes one; a console started by a
// service may have none either. Architect runs tmux with -u, so neither matters.
const LOCALE_VARS = ['LANG', 'LC_ALL', 'LC_CTYPE'] as const;
const TITLE = 'réparer ❯ le build';

const tmux = new PrivateTmux();
const saved = Object.fromEntries(LOCALE_VARS.map((k) => [k, process.env[k]]));
let pane = '';

beforeAll(() => {
  pane = tmux.newSession('w1', ['sh']);
  tmux.run('select-pane', '-t', pane, '-T', TITLE);
  for (const k of LOCALE_VARS) delete process.env[k];
});

afterAll(() => {
  for (const k of LOCALE_VARS) if (saved[k] !== undefined) process.env[k] = saved[k];
  tmux.kill();
});

describe('tmux run without a UTF-8 locale', () => {
  it('still lists panes (separators intact) and keeps a UTF-8 title', async () => {
    const panes = await discover(tmuxServer(tmux.socket));
    expect(panes).toEqual([expect.objectContaining({ session: 'w1', paneId: pane, title: TITLE })]);
    expect((await runTmux(tmuxServer(tmux.socket), ['display-message', '-p', '-t', pane, '#{pane_title}'])).trim()).toBe(TITLE);
  });
});
