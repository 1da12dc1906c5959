// least_loaded counts, every round, the tasks each session holds or finished in the
// last hour. Without an index on when a task finished, that count walked every
// completed task ever (~100 ms a round at 300k tasks, on the main thread). This
// index lists completed tasks by completion time with their session, so the count
// reads only the last hour's; claims never touch it (a completion adds one entry).
export const name = 'recent_completions';

export const sql = `
CREATE INDEX idx_tasks_recent_completed ON tasks(completed_at, assigned_to) WHERE status = 'completed';
`;
