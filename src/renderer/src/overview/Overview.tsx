import type { UiConfig } from '../../../shared/api';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { useUiConfig } from '../data/uiConfig';
import { ErrorsPanel, ProjectsPanel, SessionsPanel, TasksPanel } from './panels';
import { PerformancePanel, SlaPanel, StatsStrip, ThroughputPanel } from './statsPanels';

type Panel = UiConfig['dashboard_panels'][number];

/** The panels ui_config.yaml lists, enabled ones only, in their `order`. */
export function visiblePanels(ui: UiConfig): Panel[] {
  return ui.dashboard_panels.filter((p) => p.enabled).sort((a, b) => a.order - b.order);
}

export function Overview() {
  const ui = useUiConfig();
  if (!ui) return <div className="page muted">Loading the dashboard layout…</div>;
  const panels = visiblePanels(ui);
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
            <h2>{p.title}</h2>
            <PanelBody panel={p} withPerformance={!hasPerformance} />
          </section>
        ))}
      </div>
    </div>
  );
}

function PanelBody({ panel, withPerformance }: { panel: Panel; withPerformance: boolean }) {
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
    default:
      return (
        <p className="muted small">
          No panel is called “{panel.id}”. Known panels: projects, tasks, sessions, errors, stats, performance, sla.
        </p>
      );
  }
}
