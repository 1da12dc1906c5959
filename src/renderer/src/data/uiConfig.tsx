import { createContext, useContext, type ReactNode } from 'react';
import type { UiConfig } from '../../../shared/api';
import { askEarly } from './early';
import { useRefreshing } from './live';

// ui_config.yaml as the core has it in force; every view reads colors, panels and
// tables from here, and all of them follow a reload (`config.changed`).

const UiConfigContext = createContext<UiConfig | null>(null);

/** `config.ui`'s load; asked before anything else as the page starts (askUiConfigEarly). */
const loadUi = async (): Promise<UiConfig> => (await window.architect.config.ui()).ui;
const UI_KEY = 'config.ui';

/**
 * Asks for the UI config as the page starts, before React mounts: it is then the first
 * request on the socket. Asked from the provider's effect it went last of the first
 * burst (a parent's effects run after its children's), behind sessions.list and the
 * others, and everything the Overview draws waits for it.
 */
export function askUiConfigEarly(): void {
  askEarly(UI_KEY, loadUi, ['config.changed']);
}

export function UiConfigProvider({ children }: { children: ReactNode }) {
  const ui = useRefreshing(loadUi, { events: ['config.changed'], early: UI_KEY });
  if (ui.value) applyTheme(ui.value);
  return <UiConfigContext.Provider value={ui.value}>{children}</UiConfigContext.Provider>;
}

/**
 * Session-state and SLA colors, as ui_config.yaml's theme has them (the config's
 * defaults until it is read). Module-level so plain functions (`stateColor`) and SVG
 * drawing read them; the provider updates them before its children render.
 */
const STATE_COLORS: Record<string, string> = {};
export const SLA_COLORS: Record<string, string> = {};

/** Applies theme.colors: state and SLA palettes, and the brand colors as CSS variables. */
export function applyTheme(ui: UiConfig): void {
  replace(STATE_COLORS, ui.theme.colors.state);
  replace(SLA_COLORS, ui.theme.colors.sla);
  const root = typeof document === 'undefined' ? null : document.documentElement;
  if (!root) return;
  const brand = ui.theme.colors.brand;
  const dark = typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches;
  const accent = (dark ? (brand.accent_dark ?? brand.accent) : brand.accent) ?? null;
  setVar(root, '--accent', accent);
  setVar(root, '--sidebar', brand.sidebar ?? null);
}

function replace(target: Record<string, string>, source: Record<string, string>): void {
  for (const k of Object.keys(target)) if (!(k in source)) delete target[k];
  Object.assign(target, source);
}

function setVar(root: HTMLElement, name: string, value: string | null): void {
  if (value) root.style.setProperty(name, value);
  else root.style.removeProperty(name);
}

export function useUiConfig(): UiConfig | null {
  return useContext(UiConfigContext);
}

export function stateColor(state: string): string {
  return STATE_COLORS[state] ?? 'var(--muted)';
}

export function useStatusColor(): (status: string) => string | undefined {
  const ui = useUiConfig();
  return (status) => ui?.theme.colors.status[status];
}

export function useHealthColor(): (health: string) => string {
  const ui = useUiConfig();
  return (health) => ui?.theme.colors.health[health] ?? 'var(--muted)';
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

