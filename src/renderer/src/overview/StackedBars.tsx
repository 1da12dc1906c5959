// A horizontal stacked bar per row, in SVG: enough for "by type" charts without a
// chart library. Each bar is scaled to the largest row total.

export interface BarSegment {
  label: string;
  value: number;
  color: string;
}

export interface BarRow {
  label: string;
  segments: BarSegment[];
  /** Shown at the end of the bar: "12.5 min avg", "83% on time". */
  note?: string;
}

const ROW_HEIGHT = 22;
const BAR_HEIGHT = 14;

export function StackedBars({ rows, testId, legend }: { rows: BarRow[]; testId?: string; legend?: BarSegment[] }) {
  const max = Math.max(1, ...rows.map((r) => r.segments.reduce((a, s) => a + s.value, 0)));
  return (
    <div className="bars" data-testid={testId}>
      {legend && (
        <div className="legend">
          {legend.map((l) => (
            <span key={l.label}>
              <span className="dot" style={{ background: l.color }} /> {l.label}
            </span>
          ))}
        </div>
      )}
      {rows.map((row) => {
        let x = 0;
        const total = row.segments.reduce((a, s) => a + s.value, 0);
        return (
          <div className="bar-row" key={row.label} style={{ height: ROW_HEIGHT }}>
            <span className="bar-label ellipsis" title={row.label}>
              {row.label}
            </span>
            <svg className="bar-svg" viewBox={`0 0 100 ${BAR_HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={`${row.label}: ${total}`}>
              <rect x={0} y={0} width={100} height={BAR_HEIGHT} className="bar-track" />
              {row.segments.map((s) => {
                const w = (s.value / max) * 100;
                const rect = (
                  <rect key={s.label} x={x} y={0} width={w} height={BAR_HEIGHT} fill={s.color}>
                    <title>{`${row.label} · ${s.label}: ${s.value.toLocaleString('en-US')}`}</title>
                  </rect>
                );
                x += w;
                return rect;
              })}
            </svg>
            <span className="bar-note muted small">{row.note ?? total.toLocaleString('en-US')}</span>
          </div>
        );
      })}
    </div>
  );
}

/** Vertical columns over time ("completed per hour"). */
export function Columns({ values, labels, color, testId, unit }: { values: number[]; labels: string[]; color: string; testId?: string; unit: string }) {
  const max = Math.max(1, ...values);
  const w = 100 / Math.max(1, values.length);
  return (
    <div className="columns" data-testid={testId}>
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={`${values.reduce((a, b) => a + b, 0)} ${unit}`}>
        {values.map((v, i) => {
          const h = (v / max) * 38;
          return (
            <rect key={i} x={i * w + w * 0.12} y={40 - h} width={w * 0.76} height={Math.max(h, 0.4)} fill={color}>
              <title>{`${labels[i]}: ${v} ${unit}`}</title>
            </rect>
          );
        })}
      </svg>
      <div className="columns-axis muted small">
        <span>{labels[0]}</span>
        <span>max {max} / h</span>
        <span>{labels[labels.length - 1]}</span>
      </div>
    </div>
  );
}
