import type { EventName } from '../../../shared/api';
import { askEarly } from '../data/early';

// What the Overview's built-in panels read, once: the panels load through these, and the
// page asks them as it starts (askOverviewEarly), beside `config.ui`, instead of a round
// trip after it. On the 1M seed under the console bench's load the panels' reads went out
// 90–880 ms after the first requests, the time `config.ui` took to come back
// (docs/performance.md).

/** The timeline covers a working day's morning: long enough to see patterns. */
export const TIMELINE_HOURS = 6;

interface Read {
  /** The key the early answer is kept under (data/early.ts). */
  key: string;
  load: () => Promise<unknown>;
  /** What the panel reloads on. */
  events: EventName[];
}

const read = <T>(key: string, load: () => Promise<T>, events: EventName[]) => ({ key, load, events }) satisfies Read;

export const OVERVIEW_READS = {
  stats: read('query stats_dashboard', () => window.architect.query.run({ name: 'stats_dashboard', params: {} }), ['tasks.changed', 'sessions.delta', 'errors.changed']),
  performance: read('query task_performance_by_type', () => window.architect.query.run({ name: 'task_performance_by_type', params: {} }), []),
  sla: read('query sla_by_type', () => window.architect.query.run({ name: 'sla_by_type', params: {} }), ['tasks.changed']),
  throughput: read('query completed_per_hour', () => window.architect.query.run({ name: 'completed_per_hour', params: {} }), ['tasks.changed']),
  projects: read('projects.list', async () => (await window.architect.projects.list()).projects, ['errors.changed', 'tasks.changed']),
  errors: read('errors.list open', async () => (await window.architect.errors.list({ includeResolved: false })).errors, ['errors.changed']),
  timeline: read(`sessions.timeline ${TIMELINE_HOURS}`, () => window.architect.sessions.timeline({ hours: TIMELINE_HOURS }), ['sessions.transition']),
};

export type OverviewRead = keyof typeof OVERVIEW_READS;

/**
 * The built-in panels that config/base/ui_config.yaml enables (a test holds them equal):
 * what a browser that has not drawn this console's Overview yet expects to draw.
 */
export const SHIPPED_PANELS: readonly string[] = ['projects', 'tasks', 'sessions', 'errors'];

/** Where this browser remembers the panels it drew last (per origin, so per console). */
const PANELS_KEY = 'architect.overview.panels';

/** What the Overview reads for these panels (the stats strip always: it is shown without a panel too). */
export function readsFor(panelIds: readonly string[]): OverviewRead[] {
  const ids = new Set(panelIds);
  const out = new Set<OverviewRead>(['stats']);
  for (const id of ids) {
    if (id === 'projects') out.add('projects');
    else if (id === 'tasks') {
      out.add('throughput');
      out.add('sla');
      if (!ids.has('performance')) out.add('performance');
    } else if (id === 'sessions') out.add('timeline');
    else if (id === 'errors') out.add('errors');
    else if (id === 'performance' || id === 'sla') out.add(id);
  }
  return [...out];
}

/** Remembers the panels the Overview draws, for the next opening's early reads. */
export function rememberPanels(panelIds: readonly string[]): void {
  try {
    const value = JSON.stringify(panelIds);
    if (localStorage.getItem(PANELS_KEY) !== value) localStorage.setItem(PANELS_KEY, value);
  } catch {
    // no storage (private mode, a sandbox): the next opening asks the shipped panels' reads
  }
}

function rememberedPanels(): string[] | null {
  try {
    const v = JSON.parse(localStorage.getItem(PANELS_KEY) ?? 'null') as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** Asks the Overview's first reads now: for the panels this browser drew last, else the shipped ones. */
export function askOverviewEarly(): void {
  for (const name of readsFor(rememberedPanels() ?? SHIPPED_PANELS)) {
    const r = OVERVIEW_READS[name];
    askEarly(r.key, r.load, r.events);
  }
}
