import type { ConfigProblem } from '../../../shared/api.js';
import { suggestion } from '../did-you-mean.js';
import { problemAt } from '../problems.js';
import type { SectionCheck } from '../sections.js';
import { DATABASE_TABLES, selectedColumns } from './database.js';

const FILE = 'ui_config';

/** The Overview's own panels; any other panel id places the table of table_configs of that name. */
export const BUILTIN_PANELS: readonly string[] = ['projects', 'tasks', 'sessions', 'errors', 'stats', 'performance', 'sla'];

/** A table shows what its query (or the database table of the same name) returns. */
export const checkUi: SectionCheck = (config, locate) => {
  const out: ConfigProblem[] = [];
  const ui = config.ui_config;
  const seen = new Map<string, number>();
  ui.dashboard_panels.forEach((panel, i) => {
    const first = seen.get(panel.id);
    if (first !== undefined) out.push(problemAt(locate(FILE, ['dashboard_panels', i, 'id']), `panel id "${panel.id}" is already used by dashboard_panels[${first}]`));
    else seen.set(panel.id, i);
    // A panel is one of the Overview's own, or places the table of table_configs of its name.
    if (!BUILTIN_PANELS.includes(panel.id) && !(panel.id in ui.table_configs)) {
      const known = [...BUILTIN_PANELS, ...Object.keys(ui.table_configs).filter((t) => t !== 'tasks')];
      out.push(problemAt(locate(FILE, ['dashboard_panels', i, 'id']), `no panel or table is called "${panel.id}" (panels: ${BUILTIN_PANELS.join(', ')}; or a table of table_configs)${suggestion(panel.id, known)}`));
    }
  });
  for (const [name, table] of Object.entries(ui.table_configs)) {
    let provided: readonly string[] | null;
    let source: string;
    if (table.query !== undefined) {
      const query = config.queries.queries[table.query];
      if (!query) {
        out.push(problemAt(locate(FILE, ['table_configs', name, 'query']), `table ${name}: unknown query "${table.query}"${suggestion(table.query, Object.keys(config.queries.queries))}`));
        continue;
      }
      provided = selectedColumns(query.sql);
      source = `query ${table.query}`;
    } else {
      provided = DATABASE_TABLES[name] ?? null;
      source = `the ${name} table`;
      if (!provided) {
        out.push(problemAt(locate(FILE, ['table_configs', name], { key: true }), `table ${name}: no database table of that name; set "query:" to the named query that supplies its rows`));
        continue;
      }
    }
    if (provided === null) continue;
    table.columns.forEach((col, i) => {
      if (!provided.includes(col.field)) {
        out.push(problemAt(locate(FILE, ['table_configs', name, 'columns', i, 'field']), `column "${col.field}" of table ${name} is not provided by ${source}${suggestion(col.field, provided)}`));
      }
    });
    const sort = table.default_sort;
    if (sort && !table.columns.some((c) => c.field === sort.field) && !provided.includes(sort.field)) {
      out.push(problemAt(locate(FILE, ['table_configs', name, 'default_sort', 'field']), `default_sort field "${sort.field}" of table ${name} is not provided by ${source}${suggestion(sort.field, provided)}`));
    }
  }
  return out;
};
