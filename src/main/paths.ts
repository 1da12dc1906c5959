import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A folder only its owner can enter (0700): the data folder holds prompts, pane text
 * and logs. Created when missing; an existing one of ours that is looser is tightened.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tightenToOwner(dir, 0o700);
}

/** chmod to `mode` when the path is ours and others may read it (a folder or file made before). */
export function tightenToOwner(file: string, mode: number): void {
  try {
    const st = fs.statSync(file);
    if ((st.mode & 0o077) !== 0 && (process.getuid === undefined || st.uid === process.getuid())) fs.chmodSync(file, mode);
  } catch {
    // gone, or not ours to change: left as it is
  }
}

/** The user's data folder: database, logs, hook events. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ARCHITECT_DATA_DIR) return path.resolve(env.ARCHITECT_DATA_DIR);
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Architect');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Architect');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'architect');
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ARCHITECT_DB) return path.resolve(env.ARCHITECT_DB);
  return path.join(defaultDataDir(env), 'architect.db');
}

/** The project root (where package.json and config/ are), from any built or source file. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'config'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ARCHITECT_CONFIG) return path.resolve(env.ARCHITECT_CONFIG);
  return path.join(projectRoot(), 'config');
}

/**
 * better-sqlite3 built for Electron's ABI by scripts/electron-native.js, when the
 * desktop app runs and that build exists; undefined means Node's own build.
 */
export function electronNativeBinding(): string | undefined {
  if (!process.versions.electron) return undefined;
  const file = path.join(projectRoot(), '.electron-native', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  return fs.existsSync(file) ? file : undefined;
}
