import { describe, expect, it } from 'vitest';
import { parseResetTime } from '../../../src/main/sessions/reset-time.js';
import { screenDetail } from '../../../src/main/sessions/signals.js';
import { classify } from '../../../src/main/sessions/classify.js';
import { baseManifests, loadScreen } from './screens.js';

const NOW = new Date('2026-12-06T17:30:00Z');

describe('parseResetTime: the reset time of a limit as agents print it', () => {
  it.each([
    ['7:20pm (UTC)', '2026-12-06T19:20:00.000Z'], // Claude Code
    ['3pm (Europe/Berlin)', '2026-12-07T14:00:00.000Z'], // 15:00 in Berlin passed today (18:30 there): tomorrow
    ['7:24 PM UTC', '2026-12-06T19:24:00.000Z'], // Gemini CLI
    ['Dec 8, 3pm (UTC)', '2026-12-08T15:00:00.000Z'],
    ['Dec 8th, 2026 7:12 PM UTC', '2026-12-08T19:12:00.000Z'],
    ['5:00pm (UTC)', '2026-12-07T17:00:00.000Z'], // already past today: the next one
    ['in 2h 5m', '2026-12-06T19:35:00.000Z'],
    ['7188s', '2026-12-06T19:29:48.000Z'], // Gemini's "Please retry in 7188s"
    ['2 hours and 30 minutes', '2026-12-06T20:00:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseResetTime(text, NOW)).toBe(iso);
  });

  it('a zone-less time is the local time of the console', () => {
    const at = parseResetTime('11:59 PM', NOW);
    const local = new Date(at!);
    expect([local.getHours(), local.getMinutes()]).toEqual([23, 59]);
    expect(local.getTime()).toBeGreaterThan(NOW.getTime() - 60_000);
  });

  it.each(['soon', '42', '3pm (Mars/Olympus)', '25:00', '13pm', ''])('"%s" is not a time: null, never a guess', (text) => {
    expect(parseResetTime(text, NOW)).toBeNull();
  });
});

describe('screenDetail: what a reading says beyond its state', () => {
  const manifests = baseManifests();
  it('a real limit screen gives kind limit, the notice and the reset instant', () => {
    const c = classify(loadScreen('claude-2.1.197-limit-captured'), manifests.byName.get('claude')!);
    expect(screenDetail(c, NOW)).toEqual({ kind: 'limit', message: "You've hit your session limit · resets 7:20pm (UTC)", resetAt: '2026-12-06T19:20:00.000Z', dialog: null });
  });

  it('an error gives its text; a retry stays working with the retry as reason', () => {
    const codex = classify(loadScreen('codex-0.171.0-error-context-captured'), manifests.byName.get('codex')!);
    expect(screenDetail(codex, NOW)).toMatchObject({ kind: 'context_limit', message: expect.stringContaining('ran out of room') as string, resetAt: null });
    const retry = classify(loadScreen('claude-2.1.197-working-retrying-captured'), manifests.byName.get('claude')!);
    expect(retry.state).toBe('working');
    expect(screenDetail(retry, NOW)).toMatchObject({ kind: 'retrying', message: 'API error · Retrying in 1s · attempt 1/2' });
  });

  it('a plain working or idle screen has no detail', () => {
    const idle = classify(loadScreen('claude-2.1.197-idle-captured'), manifests.byName.get('claude')!);
    expect(screenDetail(idle, NOW)).toBeNull();
  });
});
