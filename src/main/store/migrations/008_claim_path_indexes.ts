// Every index that contains `status` is rewritten (an entry deleted, one inserted)
// by every claim, start, completion and requeue: the assigner's hot path.
// idx_tasks_status_completed no longer earns that: "completed today" is read from
// task_completions (006), held tasks and the claim guard find their few rows
// through idx_tasks_pending_priority's status prefix, and the task table does not
// sort by completed_at. Dropping it took ~8 % off assigning 10k tasks.
export const name = 'claim_path_indexes';

export const sql = `
DROP INDEX IF EXISTS idx_tasks_status_completed;
`;
