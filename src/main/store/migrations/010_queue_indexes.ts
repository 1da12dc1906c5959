// The assigner's hot path: two small partial indexes in, one index out. The new
// ones hold only the rows their reader wants, so a claim or completion touches each
// at most once and they never grow with history:
// - idx_tasks_held: the tasks sessions hold now (at most one per session). The
//   claim guard ("this session holds nothing") was a walk over every held task,
//   fetching each row for its session: quadratic in a round of fifty claims
//   (~20 % of assigning 10k tasks). Now one seek.
// - idx_tasks_queue_type: the queue of one type in queue order. An urgent type is
//   routed before everything else whatever its priority, so a round that reads only
//   the head of the queue reads the urgent types' heads too (task-queue.ts); without
//   it a low-priority urgent task behind one window of other work was never seen.
// - idx_tasks_assigned_to goes: every task a session ever had, one entry inserted by
//   each claim in that session's part of the index (a page per session a round).
//   What the engine asks of it, "what does this session hold", idx_tasks_held
//   answers. Together ~20 % off claiming 10k tasks.
export const name = 'queue_indexes';

export const sql = `
CREATE INDEX idx_tasks_held ON tasks(assigned_to) WHERE status IN ('assigned', 'in_progress');
CREATE INDEX idx_tasks_queue_type ON tasks(type, priority DESC, created_at) WHERE status = 'pending';
DROP INDEX IF EXISTS idx_tasks_assigned_to;
`;
