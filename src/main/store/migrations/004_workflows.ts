import { bothDialects } from './dialect.js';

// Workflow runs and their steps, persisted so a run resumes after a crash.
export const name = 'workflows';

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE workflow_runs (
  id           ${d.id},
  workflow     TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'running'
               CHECK (status IN ('running','waiting','completed','failed','cancelled','rolled_back')),
  trigger      TEXT NOT NULL DEFAULT 'api',
  params       TEXT CHECK (params IS NULL OR json_valid(params)),
  context      TEXT CHECK (context IS NULL OR json_valid(context)),
  current_step TEXT,
  task_id      ${d.int64} REFERENCES tasks(id) ON DELETE SET NULL,
  started_at   TEXT NOT NULL DEFAULT (${d.now}),
  updated_at   TEXT NOT NULL DEFAULT (${d.now}),
  finished_at  TEXT,
  error        TEXT
);
CREATE INDEX idx_workflow_runs_status ON workflow_runs(status, started_at);

CREATE TABLE workflow_steps (
  id          ${d.id},
  run_id      ${d.int64} NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
  step        TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  attempt     INTEGER NOT NULL DEFAULT 1,
  status      TEXT NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending','running','completed','failed','skipped','rolled_back')),
  input       TEXT CHECK (input IS NULL OR json_valid(input)),
  output      TEXT CHECK (output IS NULL OR json_valid(output)),
  error       TEXT,
  started_at  TEXT,
  finished_at TEXT,
  UNIQUE (run_id, step, attempt)
);
`);
