import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore } from '../../../src/main/store/store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
/** How many acknowledged tasks to wait for before the kill: enough to be mid-stream. */
const ACKS_BEFORE_KILL = 300;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-crash-'));
  dirs.push(dir);
  return dir;
}

describe('kill -9', () => {
  it('the database opens clean and every acknowledged task is there', async () => {
    const dbPath = path.join(tempDir(), 'architect.db');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/task-writer.ts'), dbPath], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: number[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      child.stdout.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) acknowledged.push(Number(line));
        if (acknowledged.length >= ACKS_BEFORE_KILL) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    expect(await exited).toBe('SIGKILL');

    const store = openStore({ path: dbPath, logger: silentLogger });
    try {
      expect(store.writer.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(store.writer.pragma('foreign_key_check')).toEqual([]);
      const ids = new Set(store.writer.prepare('SELECT id FROM tasks').pluck().all() as number[]);
      expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
      // Each task went in with its event and counts in one transaction: none half-written.
      const counts = store.tasks.counts();
      expect(counts.pending + counts.assigned).toBe(ids.size);
      expect(store.writer.prepare('SELECT COUNT(*) FROM decisions').pluck().get()).toBe(ids.size);
    } finally {
      store.close();
    }
  });
});
