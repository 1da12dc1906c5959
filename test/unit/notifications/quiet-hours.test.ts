import { describe, expect, it } from 'vitest';
import { QuietHours } from '../../../src/main/config/schemas/notifications.js';
import { isQuiet, localTime } from '../../../src/main/notifications/quiet-hours.js';

const q = (v: object) => QuietHours.parse(v);

describe('quiet hours', () => {
  it.each([
    // [from, to, days, time (UTC, a Monday), quiet]
    ['22:00', '07:00', undefined, '2026-03-02T21:59:00Z', false],
    ['22:00', '07:00', undefined, '2026-03-02T22:00:00Z', true],
    ['22:00', '07:00', undefined, '2026-03-02T03:00:00Z', true],
    ['22:00', '07:00', undefined, '2026-03-02T07:00:00Z', false],
    ['12:00', '13:00', undefined, '2026-03-02T12:30:00Z', true],
    ['12:00', '13:00', undefined, '2026-03-02T13:00:00Z', false],
    // A night that starts on Friday covers Saturday morning, not Monday morning.
    ['22:00', '07:00', ['fri'], '2026-03-07T06:00:00Z', true],
    ['22:00', '07:00', ['fri'], '2026-03-02T06:00:00Z', false],
    // Whole days.
    ['00:00', '00:00', ['sat', 'sun'], '2026-03-08T15:00:00Z', true],
    ['00:00', '00:00', ['sat', 'sun'], '2026-03-02T15:00:00Z', false],
  ] as const)('%s–%s on %s at %s: %s', (from, to, days, at, quiet) => {
    expect(isQuiet(q({ from, to, days, timezone: 'UTC' }), new Date(at))).toBe(quiet);
  });

  it('reads the clock in the given time zone', () => {
    // 21:30 UTC is 06:30 next day in Tokyo: inside 22:00–07:00 there, outside it in UTC.
    const at = new Date('2026-03-02T21:30:00Z');
    expect(localTime(at, 'Asia/Tokyo')).toEqual({ day: 'tue', minute: 6 * 60 + 30 });
    expect(isQuiet(q({ from: '22:00', to: '07:00', timezone: 'Asia/Tokyo' }), at)).toBe(true);
    expect(isQuiet(q({ from: '22:00', to: '07:00', timezone: 'UTC' }), at)).toBe(false);
  });

  it('rejects bad times and zones at load', () => {
    expect(QuietHours.safeParse({ from: '24:00', to: '07:00' }).success).toBe(false);
    expect(QuietHours.safeParse({ from: '22:00', to: '07:00', timezone: 'Nowhere/City' }).success).toBe(false);
  });
});
