import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { installSpawner, Spawner } from '../../src/main/tmux/spawner.js';

/**
 * For a suite run both ways: with `helped`, a spawn helper is started and installed for
 * the suite (programs and control clients started through it, as in the console) and
 * stopped after it; without, nothing. Returns the suite's helper (null without).
 */
export function spawnerForSuite(helped: boolean): () => Spawner | null {
  let spawner: Spawner | null = null;
  let uninstall: () => void = () => {};
  beforeAll(() => {
    if (!helped) return;
    spawner = new Spawner();
    spawner.start();
    uninstall = installSpawner(spawner);
  });
  afterAll(() => {
    uninstall();
    spawner?.stop();
  });
  return () => spawner;
}

/** The two ways a suite runs (describe.each): programs forked by the spawn helper, or by this process. */
export const HELPED_OR_DIRECT = [
  ['through the spawn helper', true],
  ['started directly', false],
] as const;

/** A folder of the file's own for its suites, removed after them; returns it (once beforeAll ran). */
export function tempDirForFile(prefix: string): () => string {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

/** Running (a zombie nobody has reaped yet has ended). */
export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pid a program wrote to a file once it appears. */
export async function pidFrom(file: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (text) return Number(text);
    await sleep(25);
  }
  throw new Error(`no pid in ${file}`);
}
