// Native modules for the desktop app. better-sqlite3 is ABI-specific: the copy in
// node_modules is built for Node (tests, CLI, web console); the desktop app needs
// one built for Electron's ABI. Where the Electron runtime is installed we build a
// second copy into .electron-native/ and the app loads it through better-sqlite3's
// `nativeBinding` option — so both runtimes work from one `npm install`, no
// manual rebuild. It is the only native module the app loads.
import { existsSync, mkdirSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function electronBinary() {
  try {
    const bin = require('electron'); // a path string when the runtime is installed
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

export function buildForElectron({ log = console.log } = {}) {
  const bin = electronBinary();
  if (!bin) {
    log('architect: Electron runtime not installed; skipping the Electron build of better-sqlite3 (Node builds serve the CLI, tests and web console).');
    return null;
  }
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const src = path.dirname(require.resolve('better-sqlite3/package.json'));
  const dest = path.join(root, '.electron-native', 'better-sqlite3');
  const target = path.join(dest, 'build', 'Release', 'better_sqlite3.node');
  const stamp = path.join(dest, '.electron-version');
  if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === electronVersion) return target;
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(src, dest, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) && !p.endsWith(`${path.sep}build`) });
  log(`architect: building better-sqlite3 for Electron ${electronVersion}…`);
  const prebuilt = spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electronVersion], { cwd: dest, stdio: 'inherit' });
  if (prebuilt.status !== 0) {
    const gyp = spawnSync('npx', ['--yes', 'node-gyp', 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'], { cwd: dest, stdio: 'inherit' });
    if (gyp.status !== 0) throw new Error('could not build better-sqlite3 for Electron; the web console (npm start falls back to it) still works');
  }
  writeFileSync(stamp, electronVersion);
  return target;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  try {
    buildForElectron();
  } catch (err) {
    console.warn(`architect: ${err.message}`);
  }
}
