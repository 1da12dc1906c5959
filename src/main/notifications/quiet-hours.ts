// Whether a moment falls in quiet hours. Pure: the rule and a Date in, a boolean out.
import { WEEKDAYS, type QuietHours } from '../config/schemas/notifications.js';

type Weekday = (typeof WEEKDAYS)[number];

/** The local weekday and minute of the day in a time zone (the machine's when absent). */
export function localTime(at: Date, timeZone?: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = part('weekday').toLowerCase().slice(0, 3) as Weekday;
  return { day, minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

function minuteOf(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function dayBefore(day: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(day) + WEEKDAYS.length - 1) % WEEKDAYS.length]!;
}

/**
 * Quiet from `from` to `to` on the listed days (every day when none are). A span over
 * midnight (22:00–07:00) belongs to the day it starts on; `from` equal to `to` is the
 * whole day.
 */
export function isQuiet(q: QuietHours, at: Date): boolean {
  const { day, minute } = localTime(at, q.timezone);
  const from = minuteOf(q.from);
  const to = minuteOf(q.to);
  const on = (d: Weekday): boolean => !q.days || q.days.includes(d);
  if (from === to) return on(day);
  if (from < to) return on(day) && minute >= from && minute < to;
  // Over midnight: the evening part today, or the morning part of a span that began yesterday.
  return (on(day) && minute >= from) || (on(dayBefore(day)) && minute < to);
}
