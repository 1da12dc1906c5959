// `npm start`: the desktop app where the Electron runtime is installed; otherwise
// the web console on 127.0.0.1, saying so.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildState } from './build-state.js';
import { buildForElectron, electronBinary } from './electron-native.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);

const state = existsSync(path.join(root, 'out', 'renderer', 'index.html')) ? buildState(root) : 'missing';
if (state !== 'fresh') {
  console.log(state === 'stale' ? 'architect: the sources changed since the last build; building (npm run build)…' : 'architect: building first (npm run build)…');
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = electronBinary();
// better-sqlite3 for Electron's ABI: the install builds it, but the runtime may have
// arrived later (`npm rebuild electron`). Without it the desktop app cannot open its
// database, so the browser console it is.
let nativeProblem = null;
if (electron && !process.env.ARCHITECT_WEB) {
  try {
    buildForElectron();
  } catch (err) {
    nativeProblem = err.message;
  }
}
let child;
if (electron && !process.env.ARCHITECT_WEB && !nativeProblem) {
  child = spawn(electron, [root, ...args], { stdio: 'inherit' });
} else {
  console.log(
    nativeProblem
      ? `architect: ${nativeProblem}. Serving the console to your browser instead; open the URL below.`
      : electron
        ? 'architect: ARCHITECT_WEB is set: serving the web console instead of the desktop app.'
        : 'architect: the Electron runtime is not installed (its download was skipped or failed), so the console is served to your browser instead. Open the URL below.',
  );
  child = spawn(process.execPath, [path.join(root, 'bin', 'architect.js'), 'serve', ...args], { stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 0)));
