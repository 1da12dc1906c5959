import { bothDialects } from './dialect.js';

// Terminal states that mean something (issue 14): a task can be held by an operator
// (blocked until released; the reason kept here) and can wait on other tasks
// (`depends_on`: blocked until every one of them completed). The retry budget needs
// no column: `attempts` counts the tries, routing_rules.yaml's max_attempts the limit.
export const name = 'task_terminal_states';

export const { sql, postgres } = bothDialects((d) => `
-- Why an operator holds the task (architect tasks hold, the console's Hold button);
-- NULL when nobody does. A held task is blocked whatever its dependencies say.
ALTER TABLE tasks ADD COLUMN hold_reason TEXT;

-- Task task_id runs only once every depends_on task completed.
CREATE TABLE task_dependencies (
  task_id    ${d.int64} NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  depends_on ${d.int64} NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  PRIMARY KEY (task_id, depends_on)
);
-- A task finishing finds the tasks waiting on it.
CREATE INDEX idx_task_dependencies_on ON task_dependencies(depends_on);
`);
