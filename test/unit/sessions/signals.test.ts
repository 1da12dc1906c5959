import { describe, expect, it } from 'vitest';
import { decide, HOOK_FRESH_MS, type HookSignal, type ScreenReading } from '../../../src/main/sessions/signals.js';

const screen = (state: ScreenReading['state'], sinceMs: number): ScreenReading => ({ state, reason: null, ruleId: `${state}-rule`, sinceMs });
const hook = (state: HookSignal['state'], atMs: number): HookSignal => ({ state, reason: null, event: 'E', atMs });

describe('decide (screen and hooks)', () => {
  it.each<[string, ScreenReading | null, HookSignal | null, number, string, string | null]>([
    ['no hook: the screen', screen('idle', 0), null, 1_000, 'idle', 'idle-rule'],
    ['nothing known: unknown', null, null, 1_000, 'unknown', null],
    ['a fresh hook beats an older screen', screen('idle', 0), hook('working', 500), 1_000, 'working', 'hook:E'],
    ['a fresh hook when nothing was read yet', null, hook('waiting', 500), 1_000, 'waiting', 'hook:E'],
    ['a later screen transition beats the hook', screen('idle', 800), hook('working', 500), 1_000, 'idle', 'idle-rule'],
    ['the screen turning unknown after it does not', screen('unknown', 800), hook('working', 500), 1_000, 'working', 'hook:E'],
    ['a stale hook yields to the screen', screen('idle', 0), hook('working', 500), 500 + HOOK_FRESH_MS, 'idle', 'idle-rule'],
    // A turn that ends on an error (or a limit) sends a Stop hook too: never idle over the error.
    ['an error screen beats a later idle (Stop) hook', screen('error', 400), hook('idle', 500), 1_000, 'error', 'error-rule'],
    ['a later working hook (the next turn) beats an error screen', screen('error', 400), hook('working', 500), 1_000, 'working', 'hook:E'],
    ['a stale hook with no screen is unknown', null, hook('working', 500), 500 + HOOK_FRESH_MS, 'unknown', null],
  ])('%s', (_what, s, h, now, state, ruleId) => {
    const d = decide(s, h, now);
    expect(d).toMatchObject({ state, ruleId });
    expect(d.hookExpiresInMs === null).toBe(ruleId !== 'hook:E');
  });

  it('says when the hook goes stale', () => {
    expect(decide(screen('idle', 0), hook('working', 1_000), 1_250).hookExpiresInMs).toBe(HOOK_FRESH_MS - 250);
  });
});
