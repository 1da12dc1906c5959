import { useEffect, useRef, useState } from 'react';
import { TaskStatus } from '../../../shared/api';
import { ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { formatCount } from '../data/format';
import { useUiConfig } from '../data/uiConfig';
import { FOCUS_SEARCH_EVENT } from '../shell/shortcuts';
import { navigate, useRoute } from '../shell/route';
import { NewTaskDialog } from './NewTaskDialog';
import { SORTABLE_FIELDS, TaskTable, type Sort, type TableConfig } from './TaskTable';
import { TaskView } from './TaskView';
import { useTaskWindow, type TaskQuery } from './taskWindow';

/** Typing pauses this long before the search goes to the server. */
const SEARCH_DEBOUNCE_MS = 250;
/** When ui_config has no tasks table: the columns a queue needs. */
const FALLBACK_TABLE: TableConfig = {
  columns: [
    { field: 'id', header: 'ID', width: '70px', sortable: true, color_coded: false, format: 'text' },
    { field: 'title', header: 'Title', sortable: true, color_coded: false, format: 'text' },
    { field: 'status', header: 'Status', width: '110px', sortable: true, color_coded: true, format: 'text' },
    { field: 'priority', header: 'Priority', width: '80px', sortable: true, color_coded: false, format: 'text' },
    { field: 'created_at', header: 'Created', width: '130px', sortable: true, color_coded: false, format: 'relative_time' },
  ],
  default_sort: { field: 'priority', order: 'desc' },
  page_size: 100,
  enable_search: true,
  enable_filters: true,
};

export function TasksPage({ taskId }: { taskId: string | null }) {
  const ui = useUiConfig();
  const route = useRoute();
  const config = ui?.table_configs.tasks ?? FALLBACK_TABLE;
  const [sort, setSort] = useState<Sort | null>(null);
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [status, setStatus] = useState(route.query.get('status') ?? '');
  const [type, setType] = useState('');
  const [creating, setCreating] = useState(false);
  const searchBox = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const t = setTimeout(() => setDebounced(search.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [search]);
  useEffect(() => {
    const onFocus = (): void => searchBox.current?.focus();
    window.addEventListener(FOCUS_SEARCH_EVENT, onFocus);
    return () => window.removeEventListener(FOCUS_SEARCH_EVENT, onFocus);
  }, []);
  const wantsNew = route.query.has('new');
  useEffect(() => {
    if (!wantsNew) return;
    setCreating(true);
    location.replace('#/tasks');
  }, [wantsNew]);

  const effectiveSort = sort ?? config.default_sort ?? null;
  const query: TaskQuery = {};
  if (effectiveSort && SORTABLE_FIELDS.has(effectiveSort.field)) query.sort = effectiveSort as TaskQuery['sort'];
  if (debounced && config.enable_search) query.search = debounced;
  const parsedStatus = TaskStatus.safeParse(status);
  if (config.enable_filters && parsedStatus.success) query.status = parsedStatus.data;
  if (config.enable_filters && type.trim()) query.type = type.trim();
  // Blocks of page_size rows, within what tasks.list allows per call.
  const data = useTaskWindow(query, Math.min(1000, Math.max(10, config.page_size)));

  return (
    <div className="page tasks-page" data-testid="page-tasks">
      <PageHeader title={<>Tasks {data.total !== null && <span className="muted small" data-testid="tasks-total">{formatCount(data.total)} shown</span>}</>}>
        {config.enable_search && (
          <input ref={searchBox} type="search" placeholder="Search title and prompt  ( / )" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="tasks-search" aria-label="Search tasks" />
        )}
        {config.enable_filters && (
          <>
            <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="filter-status" aria-label="Status">
              <option value="">every status</option>
              {TaskStatus.options.map((s) => (
                <option key={s} value={s}>
                  {s.replace('_', ' ')}
                  {data.counts ? ` (${formatCount(data.counts[s] ?? 0)})` : ''}
                </option>
              ))}
            </select>
            <input type="text" placeholder="type" value={type} onChange={(e) => setType(e.target.value)} data-testid="filter-type" aria-label="Task type" className="narrow" />
          </>
        )}
        <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-task">
          New task
        </button>
      </PageHeader>
      <ErrorNote error={data.error} />
      <TaskTable config={config} data={data} sort={effectiveSort} onSort={setSort} onOpen={(id) => navigate('tasks', id)} />
      {taskId && <TaskView id={Number(taskId)} onClose={() => navigate('tasks')} />}
      <NewTaskDialog open={creating} onClose={() => setCreating(false)} onCreated={(id) => navigate('tasks', id)} />
    </div>
  );
}
