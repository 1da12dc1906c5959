import { useState } from 'react';
import type { UiConfig } from '../../../shared/api';
import { FormattedCell } from '../components/Cell';
import { ErrorNote } from '../components/EmptyState';
import { formatCount } from '../data/format';
import { AGGREGATE_EVENT_DELAY_MS, useRefreshing } from '../data/live';

type TableConfig = UiConfig['table_configs'][string];
interface Sort {
  field: string;
  order: 'asc' | 'desc';
}

/**
 * A table of ui_config.yaml other than `tasks`: its columns (header, width, format,
 * color_coding), default_sort and sortable headers, page_size pages, a search box
 * (enable_search) and per-column filters (enable_filters), over the rows of its
 * `query:` or of the database table of the same name (`tables.rows`).
 */
export function ConfigTable({ name, config, refreshSeconds }: { name: string; config: TableConfig; refreshSeconds: number }) {
  const [page, setPage] = useState(0);
  const [sort, setSort] = useState<Sort | null>(null);
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<Record<string, string>>({});
  const key = JSON.stringify([name, page, sort, search, filters]);
  const data = useRefreshing(
    () =>
      window.architect.tables.rows({
        name,
        page,
        ...(sort ? { sort } : {}),
        ...(config.enable_search && search ? { search } : {}),
        ...(config.enable_filters ? { filters } : {}),
      }),
    // A named query: on changes at most every few seconds (paging, sorting and search load at once).
    { refreshSeconds, events: ['tasks.changed', 'sessions.delta', 'errors.changed', 'config.changed'], key, eventDelayMs: AGGREGATE_EVENT_DELAY_MS },
  );
  const effective = sort ?? config.default_sort ?? null;
  const template = config.columns.map((c) => c.width ?? 'minmax(80px, 1fr)').join(' ');
  const total = data.value?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / config.page_size));
  const resetTo = (f: () => void): void => {
    f();
    setPage(0);
  };

  return (
    <div className="config-table" data-testid={`table-${name}`} data-source={data.value?.source}>
      {config.enable_search && (
        <input
          type="search"
          className="config-table-search"
          placeholder={`Search ${name}…`}
          aria-label={`Search ${name}`}
          value={search}
          data-testid={`table-${name}-search`}
          onChange={(e) => resetTo(() => setSearch(e.target.value))}
        />
      )}
      <ErrorNote error={data.error} />
      <div role="table" className="ctable" aria-rowcount={total + 1}>
        <div role="row" className="ctable-row ctable-head" style={{ gridTemplateColumns: template }}>
          {config.columns.map((c) => {
            const active = effective?.field === c.field;
            const arrow = active ? (effective.order === 'asc' ? ' ▲' : ' ▼') : '';
            return (
              <div role="columnheader" key={c.field} data-field={c.field} aria-sort={active ? (effective.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                {c.sortable ? (
                  <button type="button" className="ghost" data-testid={`table-${name}-sort-${c.field}`} onClick={() => resetTo(() => setSort({ field: c.field, order: active && effective.order === 'desc' ? 'asc' : 'desc' }))}>
                    {c.header}
                    {arrow}
                  </button>
                ) : (
                  <>
                    {c.header}
                    {arrow}
                  </>
                )}
              </div>
            );
          })}
        </div>
        {config.enable_filters && (
          <div role="row" className="ctable-row ctable-filters" style={{ gridTemplateColumns: template }}>
            {config.columns.map((c) => (
              <div role="cell" key={c.field}>
                <input
                  aria-label={`Filter ${c.header}`}
                  placeholder="filter"
                  value={filters[c.field] ?? ''}
                  data-testid={`table-${name}-filter-${c.field}`}
                  onChange={(e) => resetTo(() => setFilters({ ...filters, [c.field]: e.target.value }))}
                />
              </div>
            ))}
          </div>
        )}
        {data.value?.rows.map((row, i) => (
          <div role="row" key={i} className="ctable-row" style={{ gridTemplateColumns: template }} data-testid={`table-${name}-row`}>
            {config.columns.map((c) => (
              <div role="cell" key={c.field} className="ellipsis" data-field={c.field}>
                <FormattedCell value={row[c.field]} column={c} />
              </div>
            ))}
          </div>
        ))}
      </div>
      {data.value && total === 0 && <p className="muted small">No rows.</p>}
      <div className="ctable-foot muted small">
        <span data-testid={`table-${name}-range`}>
          {total === 0 ? '' : `${formatCount(page * config.page_size + 1)}–${formatCount(Math.min(total, (page + 1) * config.page_size))} of ${formatCount(total)}`}
        </span>
        {pages > 1 && (
          <span className="right">
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)} data-testid={`table-${name}-prev`}>
              ‹
            </button>{' '}
            {page + 1}/{pages}{' '}
            <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)} data-testid={`table-${name}-next`}>
              ›
            </button>
          </span>
        )}
      </div>
    </div>
  );
}
