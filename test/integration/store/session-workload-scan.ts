// session_workload as it was before migration 021: a scan of the window's tasks. The
// shipped query (config/base/queries.yaml) must give its rows; queries.yaml's comment
// gives the same text for users.

/** The query as it was before migration 021 (and as queries.yaml's comment gives it), a tie-break added to its order. */
export const SESSION_WORKLOAD_SCAN = `
  SELECT
    assigned_to AS session,
    COUNT(*) AS total,
    COUNT(CASE WHEN status = 'completed' THEN 1 END) AS completed,
    COUNT(CASE WHEN status = 'failed' THEN 1 END) AS failed,
    COUNT(CASE WHEN status IN ('assigned', 'in_progress') THEN 1 END) AS active,
    AVG(CASE WHEN status = 'completed' AND started_at IS NOT NULL
      THEN (julianday(completed_at) - julianday(started_at)) * 86400 END) AS avg_duration_seconds,
    MAX(updated_at) AS last_activity
  FROM tasks
  WHERE assigned_to IS NOT NULL
    AND created_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || :days || ' days')
  GROUP BY assigned_to
  ORDER BY total DESC, session
  LIMIT :limit`;
