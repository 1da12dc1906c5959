// A pane whose process was started with a long command line (an agent given its prompt
// as an argument): the session listed and sent in deltas carries it shortened, with its
// whole length, and `sessions.argv` (and `sessions.explain`, which the session page
// shows) still has it whole (issue 20: 100 such agents made sessions.list 860 KB).
import { describe, expect, it } from 'vitest';
import { SESSION_ARGV_CHARS } from '../../../src/shared/api.js';
import { pollUntil } from '../../support/poll.js';
import { useSessionsFeature } from './sessions-feature.js';

const fixture = useSessionsFeature();

describe('a session with a huge command line', () => {
  it('is listed and sent shortened with its whole length; sessions.argv and sessions.explain have it whole', { timeout: 60_000 }, async () => {
    // GNU sleep adds its arguments up: 400 more that are zero make a ~6,000-character command line.
    const argv = ['sleep', '100000', ...Array.from({ length: 400 }, (_, i) => `0.${String(i).padStart(12, '0')}`)];
    const whole = argv.join(' ');
    fixture.tmux.newSession('long', argv);
    const { feature, deltas } = await fixture.start();
    const listed = await pollUntil('the pane listed with its command line', () => feature.list().find((s) => s.session === 'long' && s.argvLength === whole.length), { limitMs: 20_000 });

    expect(whole.length).toBeGreaterThan(5_000);
    expect(listed.argv.join(' ').length).toBeLessThanOrEqual(SESSION_ARGV_CHARS);
    expect(listed.argv.slice(0, 2)).toEqual(['sleep', '100000']);
    expect(whole.startsWith(listed.argv.join(' ').replace(/…$/u, ''))).toBe(true);
    expect(listed.argv.at(-1)?.endsWith('…')).toBe(true);
    // The whole session, as sessions.list and a delta send it, stays small.
    expect(JSON.stringify(listed).length).toBeLessThan(SESSION_ARGV_CHARS + 1_000);
    const sent = deltas.flatMap((d) => [...d.upserted, ...d.changed]).filter((s) => s.id === listed.id);
    expect(sent.length).toBeGreaterThan(0);
    for (const s of sent) expect(JSON.stringify(s).length).toBeLessThan(SESSION_ARGV_CHARS + 1_000);
    const { sessions } = await feature.commands['sessions.list']({});
    expect(sessions.find((s) => s.id === listed.id)).toEqual(listed);

    // Whole on request, by id or name.
    expect(await feature.commands['sessions.argv']({ id: listed.id })).toEqual({ argv });
    expect(await feature.commands['sessions.argv']({ id: listed.name })).toEqual({ argv });
    expect((await feature.commands['sessions.explain']({ id: listed.id })).text).toContain(whole);
    await expect(Promise.resolve().then(() => feature.commands['sessions.argv']({ id: 'nope' }))).rejects.toThrow(/no session/u);
  });
});
