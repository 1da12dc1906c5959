import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BASE_DIR, CONFIG_FILE_KEYS, ENVIRONMENTS_DIR, LOCAL_OVERRIDES, type Layer } from './files.js';
import { UserError } from '../user-error.js';

// Which files the editor may write, and how: only the layer files, only inside the
// config folder, always as temp file + rename so a crash never leaves half a file.

export class ConfigPathError extends UserError {}

/** The file changed on disk after the editor read it: saving would lose that change. */
export class ConfigConflictError extends UserError {
  constructor(message: string) {
    super(message, 'conflict');
  }
}

// base/ holds exactly the config files: any other name there fails the whole config.
const EDITABLE: [RegExp, Layer][] = [
  [new RegExp(`^${BASE_DIR}/(${CONFIG_FILE_KEYS.join('|')})\\.yaml$`), 'base'],
  [new RegExp(`^${ENVIRONMENTS_DIR}/[A-Za-z0-9_-]+\\.yaml$`), 'environment'],
  [new RegExp(`^${LOCAL_OVERRIDES.replace('.', '\\.')}$`), 'local'],
];

/** The layer of an editable config path (relative, `/`-separated), or a ConfigPathError saying why not. */
export function editableLayer(relPath: string): Layer {
  if (path.isAbsolute(relPath) || /^[A-Za-z]:/.test(relPath)) throw new ConfigPathError(`${relPath}: give a path inside the config folder, e.g. base/routing_rules.yaml, not an absolute path`);
  const parts = relPath.split(/[\\/]/);
  if (parts.includes('..')) throw new ConfigPathError(`${relPath}: ".." is not allowed; config files live inside the config folder`);
  const normal = parts.filter((p) => p !== '' && p !== '.').join('/');
  for (const [pattern, layer] of EDITABLE) if (pattern.test(normal)) return layer;
  throw new ConfigPathError(
    `${relPath.slice(0, 300)}: only ${BASE_DIR}/FILE.yaml (FILE one of ${CONFIG_FILE_KEYS.join(', ')}), ${ENVIRONMENTS_DIR}/NAME.yaml and ${LOCAL_OVERRIDES} can be edited`,
  );
}

/** The checked, normalised form of an editable path (`./base//x.yaml` → `base/x.yaml`). */
export function editablePath(relPath: string): string {
  editableLayer(relPath);
  return relPath.split(/[\\/]/).filter((p) => p !== '' && p !== '.').join('/');
}

/** Names a file's content for a lost-update check (null: no such file). */
export function contentHash(text: string | null): string | null {
  return text === null ? null : createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Writes `text` to `file` atomically: a reader sees the old content or the new, never a mix. */
export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Dot-prefixed and in the same folder: rename stays on one filesystem; the watcher ignores it.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  // The file keeps its permissions (a new one gets the usual 0644: config is not secret).
  let mode = 0o644;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    // a new file
  }
  const fd = fs.openSync(temp, 'w', mode);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
}
