import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../src/shared/api.js';
import { EventBus } from '../../../src/main/events/bus.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { watchExternalWrites } from '../../../src/main/store/external-writes.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { startTaskEvents } from '../../../src/main/store/task-events.js';

/** Fast polling so the test waits little; the production default is 250 ms. */
const TEST_POLL_MS = 20;

let dir: string;
let dbPath: string;
let store: Store;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-watch-'));
  dbPath = path.join(dir, 'architect.db');
  store = openStore({ path: dbPath, logger: silentLogger });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function addFromAnotherProcessConnection(title: string): void {
  const other = new Database(dbPath);
  other.prepare("INSERT INTO tasks(type, title) VALUES ('shell', ?)").run(title);
  other.close();
}

describe('watchExternalWrites', () => {
  it('notices a task added by another connection, and nothing while nothing changes', async () => {
    let changes = 0;
    let notify: () => void = () => {};
    const changed = new Promise<void>((resolve) => (notify = resolve));
    const stop = watchExternalWrites(store, () => {
      changes++;
      notify();
    }, TEST_POLL_MS);
    try {
      await new Promise((r) => setTimeout(r, TEST_POLL_MS * 5));
      expect(changes).toBe(0);
      addFromAnotherProcessConnection('from the CLI');
      await changed;
      expect(changes).toBe(1);
    } finally {
      stop();
    }
  });
});

describe('startTaskEvents', () => {
  it('pushes tasks.changed with the new counts after another writer adds a task', async () => {
    const bus = new EventBus();
    const seen = new Promise<EventPayload<'tasks.changed'>>((resolve) => bus.on('tasks.changed', resolve));
    const stop = startTaskEvents(store, bus, TEST_POLL_MS);
    try {
      addFromAnotherProcessConnection('queued elsewhere');
      const payload = await seen;
      expect(payload.total).toBe(1);
      expect(payload.counts.pending).toBe(1);
    } finally {
      stop();
    }
  });
});
