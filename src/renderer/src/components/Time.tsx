import { formatAbsolute, formatDuration, formatRelative, parseTime } from '../data/format';
import { useNow } from '../data/live';

/** "5 min ago", with the absolute time on hover. */
export function RelativeTime({ at }: { at: string | null | undefined }) {
  const now = useNow();
  const when = parseTime(at);
  if (!when) return <span className="muted">—</span>;
  return (
    <time dateTime={when.toISOString()} title={formatAbsolute(when)}>
      {formatRelative(when, now)}
    </time>
  );
}

/** "for 3 min": how long something has been so. */
export function Since({ at }: { at: string | null | undefined }) {
  const now = useNow(5000);
  const when = parseTime(at);
  if (!when) return <span className="muted">—</span>;
  return (
    <time dateTime={when.toISOString()} title={`since ${formatAbsolute(when)}`}>
      {formatDuration(now.getTime() - when.getTime())}
    </time>
  );
}
