import type { TaskSla } from '../../../shared/api';
import { SLA_COLORS, stateColor, useStatusColor } from '../data/uiConfig';

export function StatePill({ state, title }: { state: string; title?: string }) {
  const color = stateColor(state);
  return (
    <span className="pill" data-testid="session-state" data-state={state} title={title} style={{ color, background: `color-mix(in srgb, ${color} 16%, transparent)` }}>
      <span className="dot" style={{ background: color }} />
      {state}
    </span>
  );
}

/** A task status in its theme.colors.status color. */
export function StatusPill({ status }: { status: string }) {
  const color = useStatusColor()(status) ?? 'var(--muted)';
  return (
    <span className="pill" data-status={status} style={{ color, background: `color-mix(in srgb, ${color} 16%, transparent)` }}>
      {status.replace('_', ' ')}
    </span>
  );
}

/** How much of its SLA a task has used, colored by level (or the escalation's highlight). */
/** `finished`: the task is done, so the bar is a record, not a warning, and is drawn dimmed. */
export function SlaBar({ sla, finished = false }: { sla: TaskSla | null; finished?: boolean }) {
  if (!sla) return <span className="muted small">—</span>;
  const color = sla.highlight ?? SLA_COLORS[sla.level] ?? 'var(--muted)';
  const width = Math.min(100, Math.max(2, sla.percentUsed));
  const label = `${finished ? 'finished at ' : ''}${Math.round(sla.percentUsed)}% of its ${Math.round(sla.targetMinutes)} min SLA (${sla.level})`;
  return (
    <span className={`sla ${finished ? 'finished' : ''}`} title={label} data-level={sla.level}>
      <span className="sla-track">
        <span className="sla-fill" style={{ width: `${width}%`, background: color }} />
      </span>
      <span className="sla-text">{Math.round(sla.percentUsed)}%</span>
    </span>
  );
}
