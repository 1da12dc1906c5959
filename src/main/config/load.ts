import path from 'node:path';
import type { ConfigProblem } from '../../shared/api.js';
import { SECTION_CHECKS } from './checks/index.js';
import { BASE_DIR, CONFIG_FILE_KEYS, CONFIG_FILES, type ConfigFileKey } from './files.js';
import { readLayers, type Drafts } from './layers.js';
import { findSource } from './merge.js';
import { zodProblems, type Locate } from './problems.js';
import { NO_NOTIFICATIONS } from './schemas/notifications.js';
import { NO_SERVERS } from './schemas/servers.js';
import type { ConfigSections } from './sections.js';
import { deepFreeze, versionOf, type ConfigFileRef, type ConfigSnapshot, type ConfigValidator } from './snapshot.js';
import type { SourceNode } from './source.js';

export interface LoadOptions {
  dir: string;
  env: string | null;
  /** Editor text standing in for files on disk (path relative to the config folder). */
  drafts?: Drafts;
  validators?: readonly ConfigValidator[];
  now?: () => Date;
}

export type LoadResult =
  | { ok: true; snapshot: ConfigSnapshot; files: ConfigFileRef[]; texts: ReadonlyMap<string, string>; locate: Locate }
  | { ok: false; problems: ConfigProblem[]; files: ConfigFileRef[] };

/** Reads, layers and validates the whole config: a frozen snapshot or every problem found. */
export function loadConfig(options: LoadOptions): LoadResult {
  const dir = path.resolve(options.dir);
  const layered = readLayers(dir, options.env, options.drafts);
  const { files } = layered;
  const problems = [...layered.problems];
  const sources = new Map<string, SourceNode>();
  for (const [key, located] of Object.entries(layered.sections)) sources.set(key, located.source);

  const locate: Locate = (fileKey, at, opts) => {
    const root = sources.get(fileKey);
    if (!root) return { file: path.join(dir, BASE_DIR, `${fileKey}.yaml`), line: 1, col: 1 };
    const { node, exact } = findSource(root, at);
    return (opts?.key || !exact) && node.keyAt ? node.keyAt : node.at;
  };

  const parsed: Partial<Record<ConfigFileKey, unknown>> = {};
  for (const key of CONFIG_FILE_KEYS) {
    const located = layered.sections[key];
    if (!located) continue;
    const schema = CONFIG_FILES[key].schema;
    const result = schema.safeParse(located.value);
    if (result.success) parsed[key] = result.data;
    else problems.push(...zodProblems(key, schema, located.value, result.error.issues, locate));
  }
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems), files };

  const sections = {
    ...parsed,
    agents: parsed.agents ?? null,
    routing_tests: parsed.routing_tests ?? null,
    servers: parsed.servers ?? null,
    notifications: parsed.notifications ?? null,
  } as ConfigSections;
  for (const check of SECTION_CHECKS) problems.push(...check(sections, locate));
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems), files };

  const snapshot = deepFreeze<ConfigSnapshot>({
    version: versionOf(sections),
    env: options.env,
    dir,
    files,
    loadedAt: (options.now?.() ?? new Date()).toISOString(),
    sla: sections.sla_rules,
    routing: sections.routing_rules,
    ui: sections.ui_config,
    queries: sections.queries,
    workflows: sections.workflows,
    agents: sections.agents,
    routingTests: sections.routing_tests?.cases ?? [],
    servers: sections.servers ?? NO_SERVERS,
    notifications: sections.notifications ?? NO_NOTIFICATIONS,
  });
  for (const validator of options.validators ?? []) {
    try {
      problems.push(...validator(snapshot, (key, at) => locate(key, at)));
    } catch (e) {
      problems.push({ file: dir, line: 1, col: 1, message: `a config validator failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems), files };
  return { ok: true, snapshot, files, texts: layered.texts, locate };
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const id = `${p.file}:${p.line}:${p.col}:${p.message}`;
      return seen.has(id) ? false : (seen.add(id), true);
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
