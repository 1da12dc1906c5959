import type { CommandParams, CommandResult } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import { DATABASE_TABLES } from '../config/checks/database.js';
import type { ConfigService } from '../config/service.js';
import type { TableConfig } from '../../shared/ui-config.js';
import { QueryParamError } from '../queries/params.js';
import { UnknownQueryError, type QueryService } from '../queries/service.js';
import type { Store } from '../store/store.js';
import { readTablePage } from '../store/table-page.js';

// The tables of ui_config.yaml other than `tasks` (which is the Tasks page): a page of
// rows from the named query given as `query:`, or from the database table of the same
// name, searched, filtered and sorted as the table's config allows.

type Commands = { 'tables.rows': (p: CommandParams<'tables.rows'>) => Promise<CommandResult<'tables.rows'>> };
type Row = Record<string, unknown>;

export function setupTables(opts: { store: Store; config: ConfigService; queries: QueryService }): { commands: Commands } {
  const tableOf = (name: string): TableConfig => {
    const ui = opts.config.snapshot()?.ui;
    const table = ui?.table_configs[name];
    if (!table) throw new ApiError('invalid_params', `no table "${name}" in ui_config.yaml table_configs`);
    return table;
  };

  return {
    commands: {
      'tables.rows': async (p) => {
        const table = tableOf(p.name);
        const fields = table.columns.map((c) => c.field);
        const sort = p.sort ?? table.default_sort ?? null;
        if (p.sort && !table.columns.find((c) => c.field === p.sort?.field)?.sortable) throw new ApiError('invalid_params', `column "${p.sort.field}" of table ${p.name} is not sortable`);
        const search = table.enable_search && p.search?.trim() ? p.search.trim() : null;
        const filters = table.enable_filters ? Object.entries(p.filters ?? {}).filter(([, v]) => v.trim() !== '') : [];
        for (const [field] of filters) if (!fields.includes(field)) throw new ApiError('invalid_params', `table ${p.name} has no column "${field}" to filter`);
        const pageSize = table.page_size;
        const offset = p.page * pageSize;

        if (table.query !== undefined) {
          let results: Row[];
          try {
            results = (await opts.queries.run(table.query, {})).results;
          } catch (err) {
            if (err instanceof UnknownQueryError || err instanceof QueryParamError) throw new ApiError('invalid_params', `table ${p.name}: ${err.message}`);
            throw err;
          }
          const contains = (value: unknown, text: string): boolean => String(value ?? '').toLowerCase().includes(text.toLowerCase());
          let rows = results.filter((r) => (search === null || fields.some((f) => contains(r[f], search))) && filters.every(([f, v]) => contains(r[f], v)));
          if (sort) {
            const dir = sort.order === 'asc' ? 1 : -1;
            rows = [...rows].sort((a, b) => dir * compare(a[sort.field], b[sort.field]));
          }
          return {
            name: p.name,
            source: `query ${table.query}`,
            rows: rows.slice(offset, offset + pageSize).map((r) => pick(r, fields)),
            total: rows.length,
            page: p.page,
            pageSize,
          };
        }

        // The database table of the same name: config check has made sure every field is one of its columns.
        const columns = DATABASE_TABLES[p.name];
        if (!columns) throw new ApiError('invalid_params', `table ${p.name}: no database table of that name and no query`);
        for (const f of fields) if (!columns.includes(f)) throw new ApiError('invalid_params', `table ${p.name}: no column "${f}"`);
        if (sort && !columns.includes(sort.field)) throw new ApiError('invalid_params', `table ${p.name}: no column "${sort.field}" to sort by`);
        const { rows, total } = readTablePage(opts.store.reader, {
          table: p.name,
          fields,
          search,
          filters: filters.map(([f, v]) => [f, v.trim()] as const),
          sort: sort ? { field: sort.field, order: sort.order === 'asc' ? 'asc' : 'desc' } : null,
          limit: pageSize,
          offset,
        });
        return { name: p.name, source: `table ${p.name}`, rows, total, page: p.page, pageSize };
      },
    },
  };
}

function pick(row: Row, fields: readonly string[]): Row {
  const out: Row = {};
  for (const f of fields) out[f] = row[f] ?? null;
  return out;
}

/** Nulls last; numbers as numbers; the rest as text. */
function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}
