// Electron's TypeScript declarations without Electron. Electron is an optional
// dependency: where its binary cannot be downloaded npm drops the whole package,
// declarations included, and `npm run typecheck` could no longer check the desktop
// app's code (src/main/index.ts, src/main/electron/, src/preload/). So the install
// unpacks electron.d.ts of the locked version from npm's cache (npm has just fetched
// that tarball) into node_modules/.cache/architect/electron, where tsconfig.json's
// `paths` finds it when node_modules/electron is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const ELECTRON_TYPES_DIR = path.join(root, 'node_modules', '.cache', 'architect', 'electron');

/** The Electron version the lockfile pins, else package.json's range. */
export function lockedElectronVersion() {
  try {
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    const version = lock.packages?.['node_modules/electron']?.version;
    if (typeof version === 'string') return version;
  } catch {
    // no lockfile: fall through to the declared range
  }
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron ?? 'latest';
}

export function electronPackageInstalled() {
  try {
    require.resolve('electron/package.json');
    return true;
  } catch {
    return false;
  }
}

function unpackedVersion() {
  try {
    return JSON.parse(readFileSync(path.join(ELECTRON_TYPES_DIR, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/**
 * Makes sure Electron's declarations are somewhere TypeScript looks. Returns where
 * they are, or null (with the reason logged) when they could not be had.
 */
export function ensureElectronTypes({ log = console.log } = {}) {
  if (electronPackageInstalled()) return path.dirname(require.resolve('electron/package.json'));
  const version = lockedElectronVersion();
  if (unpackedVersion() === version && existsSync(path.join(ELECTRON_TYPES_DIR, 'electron.d.ts'))) return ELECTRON_TYPES_DIR;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'architect-electron-types-'));
  try {
    const pack = spawnSync('npm', ['pack', `electron@${version}`, '--pack-destination', tmp, '--prefer-offline', '--silent'], { cwd: tmp, encoding: 'utf8' });
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || !tarball) {
      log(`architect: could not fetch Electron ${version}'s type declarations (${(pack.stderr || 'npm pack failed').trim().split('\n')[0]}); \`npm run typecheck\` needs them for the desktop app's code.`);
      return null;
    }
    rmSync(ELECTRON_TYPES_DIR, { recursive: true, force: true });
    mkdirSync(ELECTRON_TYPES_DIR, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', path.join(tmp, tarball), '-C', ELECTRON_TYPES_DIR, '--strip-components=1', 'package/package.json', 'package/electron.d.ts'], { encoding: 'utf8' });
    if (untar.status !== 0) {
      log(`architect: could not unpack Electron's type declarations (${untar.stderr.trim()}).`);
      return null;
    }
    return ELECTRON_TYPES_DIR;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  ensureElectronTypes();
}
