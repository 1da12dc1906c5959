// WAL checkpoints in a worker thread: the writer's commits never copy the WAL
// back (it grows past SQLite's 1,000-page mark untouched), the worker's PASSIVE
// checkpoint copies all of it, and a worker that dies hands the job back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../../src/main/log/logger.js';
import { Checkpointer, DEFAULT_AUTOCHECKPOINT_PAGES, SAFETY_AUTOCHECKPOINT_PAGES } from '../../../src/main/store/checkpointer.js';
import { openStore, type Store } from '../../../src/main/store/store.js';

const PAGE = 4096;
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function dbPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-checkpoint-'));
  dirs.push(dir);
  return path.join(dir, 'architect.db');
}

/** About `pages` WAL pages of new tasks, in many small commits (as the assigner writes). */
function write(store: Store, pages: number): void {
  const prompt = 'p'.repeat(PAGE - 200); // one task per page
  for (let i = 0; i < pages / 10; i++) {
    store.transaction(() => {
      for (let k = 0; k < 10; k++) store.tasks.add({ type: 'x', title: `t${i}.${k}`, prompt });
    });
  }
}

describe('background WAL checkpoints', () => {
  it('the writer leaves the WAL to the worker, which copies all of it back', async () => {
    const file = dbPath();
    // A long interval: only the explicit checkpoint below runs during the test.
    const store = openStore({ path: file, logger: silentLogger, backgroundCheckpoints: true, checkpointIntervalMs: 60_000 });
    stores.push(store);
    expect(store.writer.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_AUTOCHECKPOINT_PAGES);

    write(store, 3 * DEFAULT_AUTOCHECKPOINT_PAGES);
    // With SQLite's default the writer would have checkpointed at 1,000 pages and
    // started the WAL over; here it only grew.
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(2.5 * DEFAULT_AUTOCHECKPOINT_PAGES * PAGE);

    const result = await store.checkpointer!.checkpointNow();
    expect(result.busy).toBe(0);
    expect(result.log).toBeGreaterThan(2.5 * DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(result.checkpointed).toBe(result.log);
    expect(store.checkpointer!.last).toEqual(result);

    // The next commit starts the WAL over from its beginning: it stops growing.
    const size = fs.statSync(`${file}-wal`).size;
    write(store, 100);
    expect(fs.statSync(`${file}-wal`).size).toBe(size);
    expect(store.tasks.counts().pending).toBe(3 * DEFAULT_AUTOCHECKPOINT_PAGES + 100);
  });

  it('checkpoints on its own every interval', async () => {
    const store = openStore({ path: dbPath(), logger: silentLogger, backgroundCheckpoints: true, checkpointIntervalMs: 20 });
    stores.push(store);
    write(store, 50);
    const deadline = Date.now() + 10_000;
    while (!(store.checkpointer!.last && store.checkpointer!.last.checkpointed >= 50) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(store.checkpointer!.last?.checkpointed).toBeGreaterThanOrEqual(50);
  });

  it('stopping (closing the store) gives checkpoints back to the writer and loses nothing', async () => {
    const file = dbPath();
    const store = openStore({ path: file, logger: silentLogger, backgroundCheckpoints: true, checkpointIntervalMs: 60_000 });
    write(store, 200);
    const checkpointer = store.checkpointer!;
    checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    expect(store.writer.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    await expect(checkpointer.checkpointNow()).rejects.toThrow(/not running/);
    store.close();

    const again = openStore({ path: file, logger: silentLogger });
    stores.push(again);
    expect(again.writer.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(again.tasks.counts().pending).toBe(200);
    expect(again.checkpointer).toBeNull();
  });

  it('closing the store returns once the worker has closed its connection: the store\'s own close is the last and takes the WAL with it', () => {
    // Closed at once (the thread may not have opened the database yet) and after writes.
    for (const pages of [0, 0, 20, 20]) {
      const file = dbPath();
      const store = openStore({ path: file, logger: silentLogger, backgroundCheckpoints: true, checkpointIntervalMs: 60_000 });
      write(store, pages);
      store.close();
      // A thread that opened (or still held) the database after this returned put the
      // WAL back, and a folder removed now found it again: ENOTEMPTY in CI.
      expect(store.checkpointer!.connectionClosed).toBe(true);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['architect.db']);
    }
  });

  it('a worker that cannot start says why, and the writer checkpoints itself again', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', console: { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream });
    const pages: number[] = [];
    const file = dbPath();
    openStore({ path: file, logger: silentLogger }).close();
    const checkpointer = new Checkpointer({ dbPath: file, nativeBinding: path.join(os.tmpdir(), 'no-such-addon.node'), logger, setAutocheckpoint: (n) => pages.push(n) });
    expect(pages).toEqual([SAFETY_AUTOCHECKPOINT_PAGES]);
    const deadline = Date.now() + 10_000;
    while (checkpointer.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(checkpointer.running).toBe(false);
    expect(pages).toEqual([SAFETY_AUTOCHECKPOINT_PAGES, DEFAULT_AUTOCHECKPOINT_PAGES]);
    expect(lines.join('')).toMatch(/checkpoint worker (failed|exited).*the writer checkpoints the WAL itself again/s);
    await expect(checkpointer.checkpointNow()).rejects.toThrow(/not running: the checkpoint worker/);
  });
});
