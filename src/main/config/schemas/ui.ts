import { z } from 'zod';

// config/base/ui_config.yaml — theme, dashboard panels, tables (seed 000 part 2.1 C).

const HexColor = z.string().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'a color is #rgb or #rrggbb');
const ColorMap = z.record(z.string(), HexColor);

export const ThemeColors = z
  .object({
    /** Task status → color (pending, in_progress, completed, …). */
    status: ColorMap.default({}),
    /** Priority band → color (critical, high, medium, low). */
    priority: ColorMap.default({}),
    /** Health → color (healthy, degraded, unhealthy). */
    health: ColorMap.default({}),
  })
  .strict();

export const DashboardPanel = z
  .object({
    id: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a panel id is lower_snake_case'),
    title: z.string().min(1),
    icon: z.string().optional(),
    order: z.number().int().min(0),
    enabled: z.boolean().default(true),
    /** Seconds between refreshes when nothing was pushed. */
    refresh_interval: z.number().int().positive().max(3600).default(30),
  })
  .strict();
export type DashboardPanel = z.infer<typeof DashboardPanel>;

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
    theme: z.object({ colors: ThemeColors.default({ status: {}, priority: {}, health: {} }) }).strict(),
    dashboard_panels: z.array(DashboardPanel).default([]),
    table_configs: z.record(z.string(), TableConfig).default({}),
  })
  .strict();
export type UiFile = z.infer<typeof UiFile>;
