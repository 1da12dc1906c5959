// DESIGN.md "Performance budget", by metric name. Printed beside each figure.
export const BUDGET: Record<string, number> = {
  discovery_200_panes_ms: 30,
  state_change_to_event_p99_ms: 300,
  query_stats_dashboard_project_p50_ms: 1,
  query_tasks_pending_high_priority_project_p50_ms: 1,
  route_decision_p99_us: 1000,
  assign_10k_tasks_ms: 1000,
  config_reload_ms: 300,
  store_rss_mb: 250,
  idle_cpu_50_agents_pct: 2,
  // Issue 16: an agent waiting reaches a webhook within 2 s (settle time included).
  notify_waiting_to_post_p90_ms: 2000,
};
