#!/usr/bin/env node
// Runs the built CLI (npm install builds it). From a clone without a build, it
// falls back to the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'out', 'cli', 'architect.js');
let mod;
if (existsSync(built) && !process.env.ARCHITECT_FROM_SOURCE) {
  mod = await import(pathToFileURL(built).href);
} else {
  const { tsImport } = await import('tsx/esm/api');
  mod = await tsImport(pathToFileURL(path.join(root, 'src', 'main', 'cli', 'index.ts')).href, import.meta.url);
}
const code = await mod.main(process.argv.slice(2));
process.exit(code);
