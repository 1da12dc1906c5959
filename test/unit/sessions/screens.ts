import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Screen } from '../../../src/main/sessions/classify.js';
import { compileManifests, loadAgentManifests } from '../../../src/main/sessions/manifests.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENS_DIR = path.resolve(here, '../../fixtures/screens');
export const AGENTS_YAML = path.resolve(here, '../../../config/base/agents.yaml');

/** A captured screen: NAME.txt (capture-pane -p) and NAME.title (#{pane_title}) when there is one. */
export function loadScreen(name: string): Screen {
  const text = fs.readFileSync(path.join(SCREENS_DIR, `${name}.txt`), 'utf8');
  const titleFile = path.join(SCREENS_DIR, `${name}.title`);
  const title = fs.existsSync(titleFile) ? fs.readFileSync(titleFile, 'utf8').replace(/\n$/, '') : '';
  return { lines: text.split('\n'), title };
}

export function screenNames(): string[] {
  return fs.readdirSync(SCREENS_DIR).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort();
}

export function baseManifests() {
  return compileManifests(loadAgentManifests(AGENTS_YAML));
}
