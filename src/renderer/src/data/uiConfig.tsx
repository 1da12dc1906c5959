import { createContext, useContext, type ReactNode } from 'react';
import type { UiConfig } from '../../../shared/api';
import { useRefreshing } from './live';

// ui_config.yaml as the core has it in force; every view reads colors, panels and
// tables from here, and all of them follow a reload (`config.changed`).

const UiConfigContext = createContext<UiConfig | null>(null);

export function UiConfigProvider({ children }: { children: ReactNode }) {
  const ui = useRefreshing(async () => (await window.architect.config.ui()).ui, { events: ['config.changed'] });
  return <UiConfigContext.Provider value={ui.value}>{children}</UiConfigContext.Provider>;
}

export function useUiConfig(): UiConfig | null {
  return useContext(UiConfigContext);
}

/** Session states are not in theme.colors; these match the status palette's meaning. */
const STATE_COLORS: Record<string, string> = {
  working: '#3b82f6',
  idle: '#28a745',
  waiting: '#fd7e14',
  error: '#dc3545',
  exited: '#6c757d',
  unknown: '#9ca3af',
};

export function stateColor(state: string): string {
  return STATE_COLORS[state] ?? '#9ca3af';
}

export function useStatusColor(): (status: string) => string | undefined {
  const ui = useUiConfig();
  return (status) => ui?.theme.colors.status[status];
}

export function useHealthColor(): (health: string) => string {
  const ui = useUiConfig();
  return (health) => ui?.theme.colors.health[health] ?? '#6c757d';
}

/** Priority 0–10 → the theme's priority bands. */
export function priorityBand(priority: number): 'critical' | 'high' | 'medium' | 'low' {
  if (priority >= 9) return 'critical';
  if (priority >= 7) return 'high';
  if (priority >= 4) return 'medium';
  return 'low';
}

export function usePriorityColor(): (priority: number) => string | undefined {
  const ui = useUiConfig();
  return (priority) => ui?.theme.colors.priority[priorityBand(priority)];
}

export const SLA_COLORS: Record<string, string> = { ok: '#28a745', warning: '#ffc107', critical: '#dc3545' };
