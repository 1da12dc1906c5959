// When a usage limit resets, from the words an agent prints: `7:20pm (UTC)`,
// `3pm (Europe/Berlin)`, `7:12 PM`, `7:12 PM UTC`, `Dec 8, 3pm`, `in 2h 5m`, `20s`.
// A time without a date is its next occurrence (agents print the reset of a limit
// that is in force, so it is ahead). A time without a zone is the console's local time.

const UNIT_S: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1, ms: 0.001 };
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The reset time as an ISO string, or null when the text is not a time this understands. */
export function parseResetTime(text: string, now: Date = new Date()): string | null {
  const t = text.trim().replace(/\.$/, '');
  const relative = parseRelative(t);
  if (relative !== null) return new Date(now.getTime() + relative * 1000).toISOString();
  return parseAbsolute(t, now);
}

/** `in 2h 5m`, `2 hours`, `20s`, `1d 3h`: seconds, or null. */
function parseRelative(t: string): number | null {
  const body = t.replace(/^in\s+/i, '');
  const unit = /(\d+(?:\.\d+)?)\s*(ms|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b/gi;
  if (body.replace(unit, '').replace(/\s|,|\band\b/gi, '') !== '') return null;
  let total = 0;
  let seen = false;
  for (const m of body.matchAll(unit)) {
    const u = m[2]!.toLowerCase();
    const key = u === 'ms' ? 'ms' : u.startsWith('mi') || u === 'm' ? 'm' : u[0]!;
    total += Number(m[1]) * (UNIT_S[key] ?? 0);
    seen = true;
  }
  return seen ? Math.round(total) : null;
}

const ABSOLUTE = new RegExp(
  '^(?:(?:at|on)\\s+)?' +
    '(?:(?<month>[A-Za-z]{3})[a-z]*\\.?\\s+(?<day>\\d{1,2})(?:st|nd|rd|th)?,?\\s*(?<year>\\d{4})?,?\\s*(?:at\\s+)?)?' +
    '(?<hour>\\d{1,2})(?::(?<minute>\\d{2}))?\\s*(?<ampm>[ap]\\.?m\\.?)?' +
    '\\s*(?:\\((?<zoneParen>[^)]+)\\)|(?<zone>[A-Za-z_]+(?:/[A-Za-z_]+)*))?$',
  'i',
);

function parseAbsolute(t: string, now: Date): string | null {
  const m = ABSOLUTE.exec(t);
  if (!m?.groups) return null;
  const g = m.groups;
  let hour = Number(g.hour);
  const minute = g.minute ? Number(g.minute) : 0;
  if (!g.minute && !g.ampm) return null; // a bare number is not a time
  if (g.ampm) {
    if (hour < 1 || hour > 12) return null;
    const pm = g.ampm.toLowerCase().startsWith('p');
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return null;
  const zone = g.zoneParen ?? g.zone ?? null;
  const tz = zone === null ? undefined : normaliseZone(zone);
  if (tz === null) return null;
  const today = wallDate(now, tz);
  let year = g.year ? Number(g.year) : today.year;
  let month = today.month;
  let day = today.day;
  if (g.month) {
    const mi = MONTHS.indexOf(g.month.slice(0, 3).toLowerCase());
    if (mi < 0) return null;
    month = mi + 1;
    day = Number(g.day);
  }
  let at = fromWall({ year, month, day, hour, minute }, tz);
  if (!g.month && at.getTime() < now.getTime() - 60_000) at = fromWall({ year, month, day: day + 1, hour, minute }, tz);
  if (g.month && !g.year && at.getTime() < now.getTime() - 86_400_000) {
    year += 1;
    at = fromWall({ year, month, day, hour, minute }, tz);
  }
  return at.toISOString();
}

/** An IANA zone Intl knows, UTC/GMT, or null (unknown zone: the time is not trusted). undefined = local. */
function normaliseZone(zone: string): string | undefined | null {
  const z = zone.trim();
  if (/^(utc|gmt|z)$/i.test(z)) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return z;
  } catch {
    return null;
  }
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function wallDate(d: Date, tz: string | undefined): Wall {
  if (tz === undefined) return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes() };
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(d);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** The instant a wall-clock time in `tz` is (local time when tz is undefined). */
function fromWall(w: Wall, tz: string | undefined): Date {
  if (tz === undefined) return new Date(w.year, w.month - 1, w.day, w.hour, w.minute);
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  // The zone's offset at that instant, applied twice to settle across a DST change.
  let at = guess;
  for (let i = 0; i < 2; i++) {
    const seen = wallDate(new Date(at), tz);
    const seenMs = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    at += guess - seenMs;
  }
  return new Date(at);
}
