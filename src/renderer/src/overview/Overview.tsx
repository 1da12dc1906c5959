import { useEffect } from 'react';
import type { UiConfig } from '../../../shared/api';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { useUiConfig } from '../data/uiConfig';
import { PanelIcon } from '../components/PanelIcon';
import { ConfigTable } from '../tables/ConfigTable';
import { ErrorsPanel, ProjectsPanel, SessionsPanel, TasksPanel } from './panels';
import { rememberPanels } from './reads';
import { PerformancePanel, SlaPanel, StatsStrip, ThroughputPanel } from './statsPanels';

/** A panel of ui_config.yaml, or one that shows a table of table_configs (`table`). */
type Panel = UiConfig['dashboard_panels'][number] & { table?: string };

/** Built-in panels; any other panel id names a table of table_configs. */
const BUILTIN_PANELS = new Set(['projects', 'tasks', 'sessions', 'errors', 'stats', 'performance', 'sla']);

/**
 * The panels ui_config.yaml lists, enabled ones only, in their `order`; then every
 * table of table_configs (but `tasks`, the Tasks page) that no panel places, titled by
 * its name. A disabled panel of a table's name hides that table.
 */
export function visiblePanels(ui: UiConfig): Panel[] {
  const listed = ui.dashboard_panels.filter((p) => p.enabled).sort((a, b) => a.order - b.order);
  const placed = new Set(ui.dashboard_panels.filter((p) => !BUILTIN_PANELS.has(p.id)).map((p) => p.id));
  const last = listed.reduce((m, p) => Math.max(m, p.order), 0);
  const tables = Object.keys(ui.table_configs)
    .filter((name) => name !== 'tasks' && !placed.has(name))
    .map((name, i) => ({ id: `table_${name}`, table: name, title: name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()), icon: 'table' as const, order: last + 1 + i, enabled: true, refresh_interval: 30 }));
  return [...listed.map((p) => (BUILTIN_PANELS.has(p.id) ? p : { ...p, table: p.id })), ...tables];
}

export function Overview() {
  const ui = useUiConfig();
  const panels = ui ? visiblePanels(ui) : null;
  const ids = panels?.map((p) => p.id).join(',');
  useEffect(() => {
    if (ids !== undefined) rememberPanels(ids ? ids.split(',') : []);
  }, [ids]);
  if (!ui || !panels) return <div className="page muted">Loading the dashboard layout…</div>;
  const hasPerformance = panels.some((p) => p.id === 'performance');
  return (
    <div className="page" data-testid="page-overview">
      <PageHeader title="Overview" />
      {!panels.some((p) => p.id === 'stats') && <StatsStrip refreshSeconds={30} />}
      {panels.length === 0 && (
        <EmptyState title="Every panel is disabled">
          <p>
            The overview shows the <code>dashboard_panels</code> of <code>ui_config.yaml</code> that are <code>enabled</code>, in their{' '}
            <code>order</code>. <a href="#/config">Edit ui_config.yaml</a> to turn some on.
          </p>
        </EmptyState>
      )}
      <div className="panels" data-testid="panels">
        {panels.map((p) => (
          <section key={p.id} className={`card panel panel-${p.id}`} data-testid={`panel-${p.id}`} data-panel={p.id}>
            <h2>
              <PanelIcon name={p.icon} />
              {p.title}
            </h2>
            <PanelBody panel={p} withPerformance={!hasPerformance} tables={ui.table_configs} />
          </section>
        ))}
      </div>
    </div>
  );
}

function PanelBody({ panel, withPerformance, tables }: { panel: Panel; withPerformance: boolean; tables: UiConfig['table_configs'] }) {
  const refresh = panel.refresh_interval;
  switch (panel.id) {
    case 'projects':
      return <ProjectsPanel refreshSeconds={refresh} />;
    case 'tasks':
      return (
        <>
          <TasksPanel />
          <ThroughputPanel refreshSeconds={refresh} />
          <SlaPanel refreshSeconds={refresh} />
          {withPerformance && <PerformancePanel refreshSeconds={Math.max(refresh, 60)} />}
        </>
      );
    case 'sessions':
      return <SessionsPanel refreshSeconds={refresh} />;
    case 'errors':
      return <ErrorsPanel refreshSeconds={refresh} />;
    case 'stats':
      return <StatsStrip refreshSeconds={refresh} />;
    case 'performance':
      return <PerformancePanel refreshSeconds={refresh} />;
    case 'sla':
      return <SlaPanel refreshSeconds={refresh} />;
    default: {
      const table = panel.table !== undefined ? tables[panel.table] : undefined;
      if (panel.table !== undefined && table) return <ConfigTable name={panel.table} config={table} refreshSeconds={refresh} />;
      return (
        <p className="muted small">
          No panel is called “{panel.id}”. Known panels: projects, tasks, sessions, errors, stats, performance, sla, and the tables of table_configs.
        </p>
      );
    }
  }
}
