// The task table sorts and filters 100k+ rows on the server. Without an index on
// the sort column SQLite sorts every row for each page (~100 ms at 100k tasks,
// ~700 ms for a page deep in the list). Every index implicitly ends with the rowid,
// so (priority) serves "ORDER BY priority DESC, id DESC" in both directions.
// Only columns a claim does not change: an index on status or updated_at would be
// rewritten by every claim and status change (the assigner's hot path).
export const name = 'task_table_order';

export const sql = `
CREATE INDEX idx_tasks_priority ON tasks(priority);
CREATE INDEX idx_tasks_created ON tasks(created_at);
CREATE INDEX idx_tasks_type ON tasks(type);
`;
