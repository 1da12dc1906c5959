// A task routed ahead of the queue (route_task_to_session's `urgent: true`): it
// comes before every task that is not urgent, whatever their priorities, as the
// tasks of a routing rule's urgent type do. Set through the task core; the flag
// stays, so a task that goes back to the queue stays ahead of it. The partial index
// holds only pending urgent tasks: the assigner reads them first, before the head of
// the queue, so an urgent task behind one window of other work is still seen.
export const name = 'urgent_tasks';

export const sql = `
ALTER TABLE tasks ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idx_tasks_pending_urgent ON tasks(priority DESC, created_at) WHERE status = 'pending' AND urgent = 1;
`;
