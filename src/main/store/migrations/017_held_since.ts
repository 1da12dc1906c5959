// The assigner finds the held tasks past their type's timeout_minutes, and when the
// next one will be, with a query per type on this index (held tasks by type and
// assignment time), instead of keeping every held task in memory (90k objects for
// the 1M-task seed) and walking them. Only held tasks are in it: a claim adds one
// entry, a completion or requeue removes it.
export const name = 'held_since';

export const sql = `
CREATE INDEX idx_tasks_held_since ON tasks(type, assigned_at) WHERE status IN ('assigned', 'in_progress');
`;
