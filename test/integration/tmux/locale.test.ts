import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../../src/main/sessions/classify.js';
import { ControlClient } from '../../../src/main/tmux/control-client.js';
import { discover, type Pane } from '../../../src/main/tmux/discover.js';
import { runTmux, tmuxServer } from '../../../src/main/tmux/server.js';
import { pollUntil } from '../../support/poll.js';
import { killTestServer, PrivateTmux, testSocket } from '../../support/tmux.js';
import { baseManifests } from '../../unit/sessions/screens.js';

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

// An agent sets its title itself (OSC 2), and the tmux server may have been started
// with no locale at all (a service, a bare container): Gemini CLI's ◇/✦ must still
// reach the title rules as themselves. Without -u tmux prints them as "_" (what the
// real-agent test's own reads got in CI, with no LANG).
describe('titles an agent sets, in a tmux server and a console with no locale (env -i)', () => {
  const socket = testSocket('locale');
  const bare = ['-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`];
  const gemini = baseManifests().byName.get('gemini')!;
  afterAll(() => killTestServer(socket));

  it('reads ◇ and ✦ through an exec and through a control client, and the title rules read them', async () => {
    // Octal escapes keep the command line ASCII: the glyphs only exist in the pane's output.
    const titled = (session: string, osc: string) =>
      execFileSync('env', [...bare, 'tmux', '-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', session, '-x', '120', '-y', '20', 'sh', '-c', `printf '\\033]2;${osc}\\033\\\\'; exec sleep 600`]);
    titled('ready', '\\342\\227\\207  Ready (project1)');
    titled('busy', '\\342\\234\\246  Working (project1)');
    const server = tmuxServer(socket);
    const panes = await pollUntil('both titles set', async () => {
      const listed = await discover(server);
      return listed.length === 2 && listed.every((p) => /(Ready|Working) \(project1\)/.test(p.title)) && listed;
    }, { limitMs: 10_000 });
    const titleOf = (list: Pane[], session: string) => list.find((p) => p.session === session)?.title;
    expect(titleOf(panes, 'ready')).toBe('◇  Ready (project1)');
    expect(titleOf(panes, 'busy')).toBe('✦  Working (project1)');
    // What a read without -u gets from the same server.
    expect(execFileSync('env', [...bare, 'tmux', '-L', socket, 'display-message', '-p', '-t', 'ready', '#{pane_title}'], { encoding: 'utf8' })).toMatch(/^_ {2}Ready/);

    // Over a control client (how the monitor lists panes once attached).
    const client = new ControlClient(server, panes[0]!.sessionId, { onOutput: () => {}, onLayoutChange: () => {}, onExit: () => {} });
    try {
      const overClient = await discover(server, client);
      expect(titleOf(overClient, 'ready')).toBe('◇  Ready (project1)');
      expect(titleOf(overClient, 'busy')).toBe('✦  Working (project1)');
    } finally {
      client.close();
    }
    expect(classify({ lines: [], title: titleOf(panes, 'ready')! }, gemini).ruleId).toBe('gemini-title-ready');
    expect(classify({ lines: [], title: titleOf(panes, 'busy')! }, gemini).ruleId).toBe('gemini-title-working');
  });
});
