import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type OpenStoreOptions, type Store } from './store.js';

function writable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The database for a command that only reads (tasks list, query, db info, explain):
 * opened as usual when this user may write it; read-only when only the file is
 * read-only; and when its folder is read-only too (SQLite then cannot keep its -shm
 * beside it, so not even a read works), from a private copy. Never an error that
 * says nothing about the file.
 */
export function openStoreToRead(opts: OpenStoreOptions): Store {
  if (!fs.existsSync(opts.path) || writable(opts.path)) return openStore(opts);
  if (writable(path.dirname(opts.path))) return openStore({ ...opts, readOnly: true });
  const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-read-'));
  const copy = path.join(copyDir, path.basename(opts.path));
  for (const suffix of ['', '-wal']) {
    if (fs.existsSync(opts.path + suffix)) fs.copyFileSync(opts.path + suffix, copy + suffix);
  }
  opts.logger.warn(`${opts.path} and its folder are read-only for this user: reading a copy of it taken now`);
  let store: Store;
  try {
    store = openStore({ ...opts, path: copy, readOnly: true });
  } catch (err) {
    fs.rmSync(copyDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...store,
    close: () => {
      store.close();
      fs.rmSync(copyDir, { recursive: true, force: true });
    },
  };
}

/**
 * A database with the current schema and no rows, in a temp folder removed on close:
 * what `architect config check` prepares named queries against when there is no
 * database yet (so checking never creates one).
 */
export function openBlankStore(opts: Omit<OpenStoreOptions, 'path'>): Store {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-blank-'));
  let store: Store;
  try {
    store = openStore({ ...opts, path: path.join(dir, 'blank.db') });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...store,
    close: () => {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
