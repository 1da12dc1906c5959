import { bothDialects } from './dialect.js';

// The assigner's environment keeper reads, at start, the environments (port and
// worktree, in metadata.env) of the tasks sessions hold. Without an index it read
// each held task's metadata with a query of its own (9.4 s for the 90k tasks of a
// 1M-task backlog, on the main thread). This partial index lists only held tasks
// whose metadata mentions "env": one query reads them, and a claim or completion of
// a task without an environment never touches it.
export const name = 'held_environments';

export const { sql, postgres } = bothDialects((d) => `
CREATE INDEX idx_tasks_held_env ON tasks(id) WHERE status IN ('assigned', 'in_progress') AND ${d.instr}(metadata, '"env"') > 0;
`);
