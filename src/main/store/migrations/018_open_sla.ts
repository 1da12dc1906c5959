// The SLA levels of the open tasks (the Overview's `sla_by_type`, the projects'
// `sla_by_project`, the SLA watch's start-up groups) are counted from this index
// alone: the open tasks by type and creation time, with their project and status, so
// a count reads index entries and never a task row. On the 1M-task seed (~320k open)
// sla_by_type took 15 s through the queue index and the rows it fetched; it takes
// 0.6 s here (load ~15). Only open tasks are in it: an insert adds one entry, a
// status change rewrites it, a task that ends leaves it.
export const name = 'open_sla';

export const sql = `
CREATE INDEX idx_tasks_open_sla ON tasks(type, created_at, project_id, status) WHERE status IN ('pending', 'assigned', 'in_progress', 'blocked');
`;
