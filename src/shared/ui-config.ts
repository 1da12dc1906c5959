import { z } from 'zod';

// config/base/ui_config.yaml — theme, dashboard panels, tables (seed 000 part 2.1 C).
// The one schema of the UI config: the config engine validates the file with UiFile,
// and the console's contract (`config.ui`, src/shared/api.ts) hands out what it gives.

const HexColor = z.string().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'a color is #rgb or #rrggbb');
const ColorMap = z.record(z.string(), HexColor);

/** Agent (session) states, when ui_config.yaml names none of its own. */
export const DEFAULT_STATE_COLORS: Readonly<Record<string, string>> = {
  working: '#3b82f6',
  idle: '#28a745',
  waiting: '#fd7e14',
  error: '#dc3545',
  exited: '#6c757d',
  unknown: '#9ca3af',
};
/** SLA levels, when ui_config.yaml names none of its own. */
export const DEFAULT_SLA_COLORS: Readonly<Record<string, string>> = { ok: '#28a745', warning: '#ffc107', critical: '#dc3545' };

/** A color map whose missing keys keep the defaults (`state: {idle: "#0f0"}` changes idle only). */
const ColorMapWithDefaults = (defaults: Readonly<Record<string, string>>) =>
  ColorMap.default({}).transform((given) => ({ ...defaults, ...given }));

/** The console's own colors: links, buttons and focus rings (accent), the navigation bar (sidebar). */
export const BrandColors = z
  .object({
    accent: HexColor.optional(),
    /** The accent in dark mode; the accent itself when absent. */
    accent_dark: HexColor.optional(),
    sidebar: HexColor.optional(),
  })
  .strict();

export const ThemeColors = z
  .object({
    /** Task status → color (pending, in_progress, completed, …). */
    status: ColorMap.default({}),
    /** Priority band → color (critical, high, medium, low). */
    priority: ColorMap.default({}),
    /** Health → color (healthy, degraded, unhealthy). */
    health: ColorMap.default({}),
    /** Agent state → color (working, idle, waiting, error, exited, unknown); unnamed ones keep the defaults. */
    state: ColorMapWithDefaults(DEFAULT_STATE_COLORS),
    /** SLA level → color (ok, warning, critical); unnamed ones keep the defaults. */
    sla: ColorMapWithDefaults(DEFAULT_SLA_COLORS),
    /** The console's accent and navigation colors. */
    brand: BrandColors.default({}),
  })
  .strict();

/** The icons a panel may show (Font Awesome's names for the same pictures). */
export const PANEL_ICONS = [
  'folder',
  'list-check',
  'terminal',
  'exclamation-triangle',
  'chart-line',
  'chart-bar',
  'clock',
  'gauge',
  'bell',
  'server',
  'table',
  'bolt',
  'check-circle',
  'users',
] as const;

export const DashboardPanel = z
  .object({
    id: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a panel id is lower_snake_case'),
    title: z.string().min(1),
    /** One of PANEL_ICONS, drawn before the title. */
    icon: z.enum(PANEL_ICONS).optional(),
    order: z.number().int().min(0),
    enabled: z.boolean().default(true),
    /** Seconds between refreshes when nothing was pushed. */
    refresh_interval: z.number().int().positive().max(3600).default(30),
  })
  .strict();
export type DashboardPanel = z.infer<typeof DashboardPanel>;

/**
 * How a cell is shown: `text` as is; `relative_time` "5 min ago"; `datetime` the local
 * date and time; `number` with thousands separators (and at most 2 decimals);
 * `duration` "3 h 10 min" from a number of seconds (of minutes when the field ends in
 * `_minutes`, of milliseconds when it ends in `_ms`).
 */
export const ColumnFormat = z.enum(['text', 'relative_time', 'datetime', 'number', 'duration']);

export const TableColumn = z
  .object({
    field: z.string().min(1),
    header: z.string(),
    /** CSS width, e.g. "60px" or "10%". */
    width: z.string().regex(/^\d+(px|%|em|rem|ch)$/, 'a width is like "60px" or "10%"').optional(),
    sortable: z.boolean().default(false),
    color_coded: z.boolean().default(false),
    format: ColumnFormat.default('text'),
  })
  .strict();
export type TableColumn = z.infer<typeof TableColumn>;

export const TableConfig = z
  .object({
    /** Named query (queries.yaml) that supplies the rows; defaults to the table of the same name. */
    query: z.string().optional(),
    columns: z.array(TableColumn).min(1),
    default_sort: z.object({ field: z.string(), order: z.enum(['asc', 'desc']).default('asc') }).strict().optional(),
    page_size: z.number().int().min(1).max(1000).default(50),
    enable_search: z.boolean().default(false),
    enable_filters: z.boolean().default(false),
  })
  .strict();
export type TableConfig = z.infer<typeof TableConfig>;

export const UiFile = z
  .object({
    version: z.string(),
    theme: z.object({ colors: ThemeColors.prefault({}) }).strict(),
    dashboard_panels: z.array(DashboardPanel).default([]),
    table_configs: z.record(z.string(), TableConfig).default({}),
  })
  .strict();
export type UiFile = z.infer<typeof UiFile>;
