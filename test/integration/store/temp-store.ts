import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore, type Store } from '../../../src/main/store/store.js';

/** A real database file in its own temp folder; remove() closes and deletes it. */
export function tempStore(): { store: Store; dir: string; dbPath: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-store-'));
  const dbPath = path.join(dir, 'architect.db');
  const store = openStore({ path: dbPath, logger: silentLogger });
  return {
    store,
    dir,
    dbPath,
    remove: () => {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
