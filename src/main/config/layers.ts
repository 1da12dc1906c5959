import fs from 'node:fs';
import path from 'node:path';
import type { ConfigProblem } from '../../shared/api.js';
import { suggestion } from './did-you-mean.js';
import { BASE_DIR, CONFIG_FILE_KEYS, CONFIG_FILES, ENVIRONMENTS_DIR, isConfigFileKey, LOCAL_OVERRIDES, type ConfigFileKey, type Layer } from './files.js';
import { isPlainObject, mergeLayer, type Located } from './merge.js';
import { parseYamlFile, type SourceNode } from './source.js';
import type { ConfigFileRef } from './snapshot.js';

// Reads base → environments/$ENV.yaml → local/overrides.yaml and merges them per file.

export interface LayeredConfig {
  /** Merged value and source tree per file key; absent when no layer supplied it. */
  sections: Partial<Record<ConfigFileKey, Located>>;
  files: ConfigFileRef[];
  /** The text each file in `files` was read with (drafts included). */
  texts: Map<string, string>;
  problems: ConfigProblem[];
}

/** The largest config file read (the editor saves at most this much too). */
export const MAX_CONFIG_FILE_BYTES = 2_000_000;

/** Unsaved editor text that replaces a file's content (key: path relative to the config folder). */
export type Drafts = ReadonlyMap<string, string>;

export function readLayers(dir: string, env: string | null, drafts: Drafts = new Map()): LayeredConfig {
  const problems: ConfigProblem[] = [];
  const files: ConfigFileRef[] = [];
  const sections: Partial<Record<ConfigFileKey, Located>> = {};
  const texts = new Map<string, string>();
  const at = (rel: string, message: string): ConfigProblem => ({ file: path.join(dir, rel), line: 1, col: 1, message });
  /** The file's text; null when there is none; false when it cannot be read (the problem is recorded). */
  const read = (rel: string): string | null | false => {
    let text = drafts.get(rel) ?? null;
    if (text === null) {
      const file = path.join(dir, rel);
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        problems.push(at(rel, `cannot read it: ${(e as Error).message}`));
        return false;
      }
      // A folder, a FIFO or a device (/dev/zero) would throw, block or never end.
      if (!st.isFile()) return (problems.push(at(rel, 'is not a file (a folder, a pipe or a device)')), false);
      if (st.size > MAX_CONFIG_FILE_BYTES) return (problems.push(at(rel, `is larger than ${MAX_CONFIG_FILE_BYTES} bytes: no config file needs that`)), false);
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        problems.push(at(rel, `cannot read it: ${(e as Error).message}`));
        return false;
      }
    }
    texts.set(rel, text);
    return text;
  };

  for (const name of listYaml(path.join(dir, BASE_DIR))) {
    const key = name.replace(/\.ya?ml$/, '');
    if (name.endsWith('.yml')) problems.push(at(`${BASE_DIR}/${name}`, `config files end in .yaml: rename ${name} to ${key}.yaml`));
    else if (!isConfigFileKey(key)) problems.push(at(`${BASE_DIR}/${name}`, `unknown config file ${name}${suggestion(key, CONFIG_FILE_KEYS)}; the files are ${CONFIG_FILE_KEYS.map((k) => `${k}.yaml`).join(', ')}`));
  }
  for (const key of CONFIG_FILE_KEYS) {
    const rel = `${BASE_DIR}/${key}.yaml`;
    const text = read(rel);
    if (text === false) continue;
    if (text === null) {
      if (CONFIG_FILES[key].required) problems.push(at(rel, `missing ${rel}: it is required (a deleted file is an error, not an empty config)`));
      continue;
    }
    const parsed = parseYamlFile(path.join(dir, rel), text);
    problems.push(...parsed.problems);
    files.push({ path: rel, layer: 'base' });
    if (parsed.problems.length === 0) sections[key] = { value: parsed.value, source: parsed.source };
  }

  const overlays: [string, Layer, boolean][] = [];
  if (env) overlays.push([`${ENVIRONMENTS_DIR}/${env}.yaml`, 'environment', true]);
  overlays.push([LOCAL_OVERRIDES, 'local', false]);
  for (const [rel, layer, required] of overlays) {
    const text = read(rel);
    if (text === false) continue;
    if (text === null) {
      if (required) problems.push(at(rel, `environment "${env}" has no ${rel}${suggestion(env ?? '', listYaml(path.join(dir, ENVIRONMENTS_DIR)).map((n) => n.replace(/\.ya?ml$/, '')))}`));
      continue;
    }
    files.push({ path: rel, layer });
    const parsed = parseYamlFile(path.join(dir, rel), text);
    problems.push(...parsed.problems);
    if (parsed.problems.length > 0 || parsed.value === null) continue;
    problems.push(...applyOverlay(sections, parsed.value, parsed.source, path.join(dir, rel)));
  }
  return { sections, files, texts, problems };
}

/** An override file holds sections keyed by file name: `routing_rules: {…}`. */
function applyOverlay(sections: Partial<Record<ConfigFileKey, Located>>, value: unknown, source: SourceNode, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isPlainObject(value)) {
    return [{ file, line: source.at.line, col: source.at.col, message: `an override file is a map of sections by file name (${CONFIG_FILE_KEYS.join(', ')})` }];
  }
  for (const [key, section] of Object.entries(value)) {
    const child = source.children?.get(key) ?? source;
    const keyAt = child.keyAt ?? child.at;
    if (!isConfigFileKey(key)) {
      problems.push({ ...keyAt, message: `unknown section "${key}"${suggestion(key, CONFIG_FILE_KEYS)}; sections are named after the files: ${CONFIG_FILE_KEYS.join(', ')}` });
      continue;
    }
    if (!isPlainObject(section)) {
      problems.push({ ...child.at, message: `section ${key} must be a map of the keys it overrides (a whole file cannot be deleted or replaced here)` });
      continue;
    }
    const over: Located = { value: section, source: child };
    const base = sections[key];
    sections[key] = base ? mergeLayer(base, over) : mergeLayer({ value: {}, source: { at: child.at } }, over);
  }
  return problems;
}

function listYaml(folder: string): string[] {
  try {
    return fs.readdirSync(folder).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    return [];
  }
}
