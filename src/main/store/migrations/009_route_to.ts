// A task sent to one session by name (an SLA `reassign` with `to_session`, a
// workflow's `reassign_task`): the router gives it to that session only, or keeps
// it queued until that session is free. Cleared when the task is claimed, so a
// later requeue is routed by the rules again.
export const name = 'route_to';

export const sql = `
ALTER TABLE tasks ADD COLUMN route_to TEXT;
`;
