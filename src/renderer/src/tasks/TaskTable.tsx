import { useEffect, useRef, useState, type CSSProperties } from 'react';
import type { TaskRow, UiConfig } from '../../../shared/api';
import { isFinishedStatus } from '../../../shared/task-status';
import { SlaBar } from '../components/Badges';
import { FormattedCell } from '../components/Cell';
import { formatCount } from '../data/format';
import type { TaskWindow } from './taskWindow';

export type TableConfig = UiConfig['table_configs'][string];
type ConfigColumn = TableConfig['columns'][number];
/** A column of table_configs.tasks, or the SLA bar this table adds (format `sla`). */
export type Column = Omit<ConfigColumn, 'format'> & { format: ConfigColumn['format'] | 'sla' };

export const ROW_HEIGHT = 34;
/** Rows rendered above and below the viewport, so a fast scroll shows rows, not gaps. */
const OVERSCAN = 10;
/** Fields `tasks.list` can sort by (TaskSortField in the contract). */
export const SORTABLE_FIELDS = new Set(['id', 'type', 'title', 'status', 'priority', 'created_at', 'updated_at', 'assigned_to']);

/** `created_at` → `createdAt`: table_configs name database columns, rows are camelCase. */
export function fieldValue(row: TaskRow, field: string): unknown {
  const camel = field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return (row as Record<string, unknown>)[camel] ?? (row as Record<string, unknown>)[field];
}

export interface Sort {
  field: string;
  order: 'asc' | 'desc';
}

interface Props {
  config: TableConfig;
  data: TaskWindow;
  sort: Sort | null;
  onSort(sort: Sort): void;
  onOpen(id: number): void;
}

/** The virtualised tasks table: only the rows in view exist in the page. */
export function TaskTable({ config, data, sort, onSort, onOpen }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 600 });
  const [selected, setSelected] = useState(0);
  const total = data.total ?? 0;
  const columns: Column[] = [...config.columns, { field: 'sla', header: 'SLA', width: 'minmax(140px, 1fr)', sortable: false, color_coded: true, format: 'sla' }];
  const template = columns.map((c) => c.width ?? 'minmax(80px, 1fr)').join(' ');
  const gridStyle: CSSProperties = { gridTemplateColumns: template };

  const first = Math.max(0, Math.floor(viewport.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total - 1, Math.ceil((viewport.top + viewport.height) / ROW_HEIGHT) + OVERSCAN);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = (): void => setViewport({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    data.show(first, Math.max(first, last));
  }, [first, last, data.show]);

  const moveSelection = (to: number): void => {
    const next = Math.max(0, Math.min(total - 1, to));
    setSelected(next);
    const el = scroller.current;
    if (!el) return;
    const y = next * ROW_HEIGHT;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = y + ROW_HEIGHT - el.clientHeight;
  };

  const rows = [];
  for (let i = first; i <= last; i++) {
    const row = data.row(i);
    rows.push(
      <div
        key={i}
        role="row"
        aria-rowindex={i + 2}
        className={`trow ${i === selected ? 'selected' : ''} ${row ? '' : 'loading'}`}
        style={{ ...gridStyle, top: i * ROW_HEIGHT, height: ROW_HEIGHT, ...(row?.sla?.highlight ? { boxShadow: `inset 3px 0 ${row.sla.highlight}` } : {}) }}
        data-testid={row ? 'task-row' : 'task-row-loading'}
        data-task-id={row?.id}
        onClick={() => {
          setSelected(i);
          if (row) onOpen(row.id);
        }}
      >
        {columns.map((c) => (
          <div role="cell" key={c.field} className="tcell ellipsis" data-field={c.field}>
            {row ? <Cell row={row} column={c} /> : <span className="skeleton" />}
          </div>
        ))}
      </div>,
    );
  }

  return (
    <div
      className="task-table"
      role="table"
      aria-rowcount={total + 1}
      tabIndex={0}
      data-testid="tasks-table"
      onKeyDown={(e) => {
        if (e.key === 'j' || e.key === 'ArrowDown') moveSelection(selected + 1);
        else if (e.key === 'k' || e.key === 'ArrowUp') moveSelection(selected - 1);
        else if (e.key === 'PageDown') moveSelection(selected + Math.floor(viewport.height / ROW_HEIGHT));
        else if (e.key === 'PageUp') moveSelection(selected - Math.floor(viewport.height / ROW_HEIGHT));
        else if (e.key === 'Enter') {
          const row = data.row(selected);
          if (row) onOpen(row.id);
        } else return;
        e.preventDefault();
      }}
    >
      <div className="thead" role="row" style={gridStyle}>
        {columns.map((c) => {
          const sortable = c.sortable && SORTABLE_FIELDS.has(c.field);
          const active = sort?.field === c.field;
          return (
            <div role="columnheader" key={c.field} className={`th ${sortable ? 'sortable' : ''}`} aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'} data-field={c.field}>
              {sortable ? (
                <button type="button" data-testid={`sort-${c.field}`} onClick={() => onSort({ field: c.field, order: active && sort.order === 'desc' ? 'asc' : 'desc' })}>
                  {c.header} {active ? (sort.order === 'asc' ? '▲' : '▼') : ''}
                </button>
              ) : (
                c.header
              )}
            </div>
          );
        })}
      </div>
      <div className="tbody" ref={scroller} onScroll={(e) => setViewport({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })} data-testid="tasks-scroller">
        <div style={{ height: total * ROW_HEIGHT, position: 'relative' }}>{rows}</div>
      </div>
      <div className="tfoot muted small" data-testid="tasks-range">
        {data.total === null ? 'Loading…' : total === 0 ? 'No tasks' : `Rows ${formatCount(first + 1)}–${formatCount(Math.min(total, last + 1))} of ${formatCount(total)}`}
      </div>
    </div>
  );
}

function Cell({ row, column }: { row: TaskRow; column: Column }) {
  if (column.field === 'sla' || column.format === 'sla') return <SlaBar sla={row.sla} finished={isFinishedStatus(row.status)} />;
  return <FormattedCell value={fieldValue(row, column.field)} column={{ ...column, format: column.format }} />;
}
