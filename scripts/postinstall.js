// After `npm install`: build the app (renderer, main, preload, CLI) so `npm start`
// and `npx architect` work from a fresh clone, then prepare native modules for
// Electron where its runtime is installed.
import { spawnSync } from 'node:child_process';
import { buildForElectron } from './electron-native.js';

if (process.env.ARCHITECT_SKIP_BUILD) {
  console.log('architect: ARCHITECT_SKIP_BUILD set; not building.');
} else {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('architect: the build failed (see above). `npm run build` retries it.');
    process.exit(build.status ?? 1);
  }
}
try {
  buildForElectron();
} catch (err) {
  console.warn(`architect: ${err.message}`);
}
