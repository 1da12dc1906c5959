// Whether the build in out/ matches the sources. After a `git pull` without
// `npm install`, the CLI and `npm start` would otherwise go on running the previous
// version's build — old migrations, old rules engine — without a word.
import fs from 'node:fs';
import path from 'node:path';

/** The file `npm run build` writes last (scripts/build-cli.js). */
export const BUILD_MARK = path.join('out', 'cli', 'architect.js');

function newestIn(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * 'missing': no build; 'stale': a file under src/ changed after the build;
 * 'fresh': otherwise (also when there is no src/, as in an installed package).
 */
export function buildState(root) {
  let built;
  try {
    built = fs.statSync(path.join(root, BUILD_MARK)).mtimeMs;
  } catch {
    return 'missing';
  }
  const src = path.join(root, 'src');
  return fs.existsSync(src) && newestIn(src) > built ? 'stale' : 'fresh';
}
