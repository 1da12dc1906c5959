// After `npm install`: build the app (renderer, main, preload, CLI) so `npm start`
// and `npx architect` work from a fresh clone, prepare native modules for Electron
// where its runtime is installed, and say in one line which console `npm start`
// will open.
//
// Electron is an optional dependency. Its own install step downloads the runtime
// (~100 MB, from GitHub); where that cannot happen (no network, a proxy, a firewall)
// the step fails and npm drops the package and carries on, instead of aborting the
// whole install. Nothing else needs the runtime: the build takes Electron's version
// from package.json (electron.vite.config.ts), the typecheck its declarations from
// npm's cache (scripts/electron-types.js), and `npm start` serves the same console
// to the browser.
import { spawnSync } from 'node:child_process';
import { buildForElectron, electronBinary } from './electron-native.js';
import { electronPackageInstalled, ensureElectronTypes } from './electron-types.js';

const binary = electronBinary();
const packaged = electronPackageInstalled();
if (!packaged) ensureElectronTypes();

if (process.env.ARCHITECT_SKIP_BUILD) {
  console.log('architect: ARCHITECT_SKIP_BUILD set; not building.');
} else {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('architect: the build failed (see above). `npm run build` retries it.');
    process.exit(build.status ?? 1);
  }
}

if (binary) {
  try {
    buildForElectron();
  } catch (err) {
    console.warn(`architect: ${err.message}`);
  }
}
console.log(electronLine());

/** The one line a newcomer needs: which console `npm start` opens, and why. */
function electronLine() {
  if (binary) return 'architect: Electron is installed: `npm start` opens the desktop app.';
  if (!packaged) {
    return "architect: Electron's runtime could not be downloaded, so `npm start` serves the console to your browser (it prints the URL). For the desktop app, let the download through (HTTPS_PROXY for a proxy, ELECTRON_MIRROR for a mirror) and run `npm install` again.";
  }
  return "architect: Electron's runtime was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD), so `npm start` serves the console to your browser (it prints the URL). For the desktop app: `npm rebuild electron`.";
}
