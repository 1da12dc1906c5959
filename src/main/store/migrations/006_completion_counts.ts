import { bothDialects } from './dialect.js';

// "Completed in the last day" on a million tasks counts ~80k index entries (~6 ms);
// the dashboard budget is 1 ms. Completions are kept per minute by triggers, so the
// dashboard sums at most 1440 small rows (exact to the minute).
export const name = 'completion_counts';

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE task_completions (
  minute TEXT PRIMARY KEY,   -- 'YYYY-MM-DD HH:MM' of completed_at, UTC
  n      ${d.int64} NOT NULL DEFAULT 0
)${d.sqlite(' WITHOUT ROWID')};

INSERT INTO task_completions(minute, n)
  SELECT substr(completed_at, 1, 16), COUNT(*) FROM tasks
  WHERE status = 'completed' AND completed_at IS NOT NULL GROUP BY 1;

${d.sqlite(`CREATE TRIGGER trg_task_completions_insert AFTER INSERT ON tasks
WHEN NEW.status = 'completed' AND NEW.completed_at IS NOT NULL
BEGIN
  INSERT INTO task_completions(minute, n) VALUES (substr(NEW.completed_at, 1, 16), 1)
    ON CONFLICT(minute) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER trg_task_completions_delete AFTER DELETE ON tasks
WHEN OLD.status = 'completed' AND OLD.completed_at IS NOT NULL
BEGIN
  UPDATE task_completions SET n = n - 1 WHERE minute = substr(OLD.completed_at, 1, 16);
END;

CREATE TRIGGER trg_task_completions_update AFTER UPDATE OF status, completed_at ON tasks
WHEN (OLD.status IS NOT NEW.status OR OLD.completed_at IS NOT NEW.completed_at)
  AND ((OLD.status = 'completed' AND OLD.completed_at IS NOT NULL)
    OR (NEW.status = 'completed' AND NEW.completed_at IS NOT NULL))
BEGIN
  UPDATE task_completions SET n = n - 1
    WHERE OLD.status = 'completed' AND minute = substr(OLD.completed_at, 1, 16);
  INSERT INTO task_completions(minute, n)
    SELECT substr(NEW.completed_at, 1, 16), 1
    WHERE NEW.status = 'completed' AND NEW.completed_at IS NOT NULL
    ON CONFLICT(minute) DO UPDATE SET n = n + 1;
END;
`)}${d.postgres(`CREATE FUNCTION trg_task_completions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'completed' AND OLD.completed_at IS NOT NULL THEN
    UPDATE task_completions SET n = n - 1 WHERE minute = substr(OLD.completed_at, 1, 16);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'completed' AND NEW.completed_at IS NOT NULL THEN
    INSERT INTO task_completions(minute, n) VALUES (substr(NEW.completed_at, 1, 16), 1)
      ON CONFLICT (minute) DO UPDATE SET n = task_completions.n + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_task_completions_insert AFTER INSERT ON tasks
FOR EACH ROW WHEN (NEW.status = 'completed' AND NEW.completed_at IS NOT NULL)
EXECUTE FUNCTION trg_task_completions();

CREATE TRIGGER trg_task_completions_delete AFTER DELETE ON tasks
FOR EACH ROW WHEN (OLD.status = 'completed' AND OLD.completed_at IS NOT NULL)
EXECUTE FUNCTION trg_task_completions();

CREATE TRIGGER trg_task_completions_update AFTER UPDATE OF status, completed_at ON tasks
FOR EACH ROW WHEN ((OLD.status IS DISTINCT FROM NEW.status OR OLD.completed_at IS DISTINCT FROM NEW.completed_at)
  AND ((OLD.status = 'completed' AND OLD.completed_at IS NOT NULL)
    OR (NEW.status = 'completed' AND NEW.completed_at IS NOT NULL)))
EXECUTE FUNCTION trg_task_completions();
`)}`);
