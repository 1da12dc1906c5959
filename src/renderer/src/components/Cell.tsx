import type { UiConfig } from '../../../shared/api';
import { durationMs, formatAbsolute, formatDuration, formatNumber, parseTime } from '../data/format';
import { SLA_COLORS, stateColor, useHealthColor, usePriorityColor } from '../data/uiConfig';
import { StatusPill } from './Badges';
import { RelativeTime } from './Time';

export type ColumnConfig = UiConfig['table_configs'][string]['columns'][number];

/** Fields whose values a `color_coded` column colors, and the theme palette each uses. */
const COLORED_FIELDS = new Set(['status', 'priority', 'health', 'state', 'level', 'sla_level']);

/** One table cell as its column's `format` and `color_coded` say (ui_config.yaml table_configs). */
export function FormattedCell({ value, column }: { value: unknown; column: ColumnConfig }) {
  const priorityColor = usePriorityColor();
  const healthColor = useHealthColor();
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  if (column.color_coded && COLORED_FIELDS.has(column.field)) {
    switch (column.field) {
      case 'status':
        return <StatusPill status={String(value)} />;
      case 'priority':
        return (
          <b style={{ color: priorityColor(Number(value)) }} data-color-coded="priority">
            {String(value)}
          </b>
        );
      case 'health':
        return <ColorText color={healthColor(String(value))} text={String(value)} kind="health" />;
      case 'state':
        return <ColorText color={stateColor(String(value))} text={String(value)} kind="state" />;
      default:
        return <ColorText color={SLA_COLORS[String(value)] ?? 'var(--muted)'} text={String(value)} kind="sla" />;
    }
  }
  switch (column.format) {
    case 'relative_time':
      return <RelativeTime at={typeof value === 'string' ? value : null} />;
    case 'datetime': {
      const when = typeof value === 'string' ? parseTime(value) : typeof value === 'number' ? new Date(value) : null;
      if (!when) return <span title={String(value)}>{String(value)}</span>;
      return (
        <time dateTime={when.toISOString()} data-format="datetime">
          {formatAbsolute(when)}
        </time>
      );
    }
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      return <span data-format="number">{Number.isFinite(n) ? formatNumber(n) : String(value)}</span>;
    }
    case 'duration': {
      const ms = durationMs(value, column.field);
      return <span data-format="duration">{ms === null ? String(value) : formatDuration(ms)}</span>;
    }
    default:
      return <span title={String(value)}>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</span>;
  }
}

function ColorText({ color, text, kind }: { color: string | undefined; text: string; kind: string }) {
  const c = color ?? 'var(--muted)';
  return (
    <span className="pill" data-color-coded={kind} style={{ color: c, background: `color-mix(in srgb, ${c} 16%, transparent)` }}>
      {text.replace(/_/g, ' ')}
    </span>
  );
}
