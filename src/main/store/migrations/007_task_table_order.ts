// The task table sorts and filters 100k+ rows on the server. Without an index on
// the sort column SQLite sorts every row for each page (~100 ms at 100k tasks,
// ~700 ms for a page deep in the list). Every index implicitly ends with the rowid,
// so (priority) serves "ORDER BY priority DESC, id DESC" in both directions.
export const name = 'task_table_order';

export const sql = `
CREATE INDEX idx_tasks_priority ON tasks(priority);
CREATE INDEX idx_tasks_status_priority_id ON tasks(status, priority);
CREATE INDEX idx_tasks_created ON tasks(created_at);
CREATE INDEX idx_tasks_updated ON tasks(updated_at);
CREATE INDEX idx_tasks_type ON tasks(type);
`;
