#!/usr/bin/env node
// Runs the built CLI (npm install builds it). From a clone without a build, or
// whose sources changed after the build (a `git pull` without `npm install`), it
// runs the TypeScript sources through tsx instead.
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { BUILD_MARK, buildState } from '../scripts/build-state.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, BUILD_MARK);
const state = buildState(root);
let mod;
if (state === 'fresh' && !process.env.ARCHITECT_FROM_SOURCE) {
  mod = await import(pathToFileURL(built).href);
} else {
  try {
    const { tsImport } = await import('tsx/esm/api');
    mod = await tsImport(pathToFileURL(path.join(root, 'src', 'main', 'cli', 'index.ts')).href, import.meta.url);
  } catch (err) {
    if (state === 'missing') throw err;
    // No tsx (an install without dev dependencies): the build is all there is.
    process.stderr.write(`architect: the sources changed since the last build and cannot run without it (${err.message}); running the build. \`npm run build\` updates it.\n`);
    mod = await import(pathToFileURL(built).href);
  }
}
const code = await mod.main(process.argv.slice(2));
process.exit(code);
