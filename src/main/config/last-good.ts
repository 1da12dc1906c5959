import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type LoadResult } from './load.js';
import type { ConfigValidator } from './snapshot.js';

/**
 * A private copy of the files that made the config in force. A broken config keeps
 * the last good one running (service.ts); with this copy that holds across a
 * restart too: a file force-saved broken, or broken by hand while the console was
 * stopped, no longer leaves the next start without any config.
 *
 * One copy per config folder and environment, under the data folder (0700/0600:
 * the config may hold webhook URLs and commands).
 */
export class LastGoodConfig {
  readonly dir: string;

  constructor(root: string, configDir: string, env: string | null) {
    const key = createHash('sha256').update(`${path.resolve(configDir)}\0${env ?? ''}`).digest('hex').slice(0, 16);
    this.dir = path.join(root, key);
  }

  /** Replaces the copy with these files' texts (as they were read for the config in force). */
  save(texts: ReadonlyMap<string, string>): void {
    const temp = `${this.dir}.${process.pid}.tmp`;
    fs.rmSync(temp, { recursive: true, force: true });
    for (const [rel, text] of texts) {
      const file = path.join(temp, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, text, { mode: 0o600 });
    }
    fs.mkdirSync(path.dirname(this.dir), { recursive: true, mode: 0o700 });
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.renameSync(temp, this.dir);
  }

  /** The saved config, validated again (the database or the code may have moved on); null when there is none. */
  load(env: string | null, validators: readonly ConfigValidator[]): LoadResult | null {
    if (!fs.existsSync(this.dir)) return null;
    return loadConfig({ dir: this.dir, env, validators });
  }
}
