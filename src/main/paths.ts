import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The user's data folder: database, logs, the web console's token. */
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
