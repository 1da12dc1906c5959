// How numbers and times read to an operator: relative times with units, durations
// in the largest sensible unit. Pure, so it is unit-tested.

/** Parses an API time. The store writes UTC without a zone (`2026-11-25 16:00:00.000`). */
export function parseTime(text: string | null | undefined): Date | null {
  if (!text) return null;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `42 s`, `5 min`, `3 h 10 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** `just now`, `5 min ago`, `in 2 h`. */
export function formatRelative(when: Date, now: Date = new Date()): string {
  const diff = now.getTime() - when.getTime();
  if (Math.abs(diff) < 5000) return 'just now';
  return diff > 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

// One formatter each, made once: toLocaleString(locale, options) builds a new one on
// every call (~40 µs against ~1 µs), and the live pages format hundreds of values a second.
const ABSOLUTE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const COUNT = new Intl.NumberFormat('en-US');
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatAbsolute(when: Date): string {
  return ABSOLUTE.format(when);
}

export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** `12.5 min` for minutes that may be fractional or missing. */
export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return '—';
  return minutes < 10 ? `${minutes.toFixed(1)} min` : `${Math.round(minutes)} min`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `1,234,567` or `12.35`: thousands separators, at most two decimals. */
export function formatNumber(n: number): string {
  return NUMBER.format(n);
}

/**
 * A `duration` column's value in milliseconds: a number of seconds, of minutes when
 * the field ends in `_minutes` (`avg_duration_minutes`), of milliseconds when it ends
 * in `_ms`. Null when the value is not a number.
 */
export function durationMs(value: unknown, field: string): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return null;
  if (/_minutes?$/.test(field)) return n * 60_000;
  if (/_ms$/.test(field)) return n;
  return n * 1000;
}
