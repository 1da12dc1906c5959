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
