import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_MARK, buildState } from '../../../scripts/build-state.js';

// What bin/architect.js and `npm start` decide from: run the build, or the sources.
describe('buildState', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tree = (files: Record<string, number>): string => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-build-state-'));
    dirs.push(root);
    for (const [file, secondsAgo] of Object.entries(files)) {
      const p = path.join(root, file);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, '');
      const at = new Date(Date.now() - secondsAgo * 1000);
      fs.utimesSync(p, at, at);
    }
    return root;
  };

  it('is missing without a build', () => {
    expect(buildState(tree({ 'src/main/a.ts': 60 }))).toBe('missing');
  });

  it('is fresh when the build is newer than every source file', () => {
    expect(buildState(tree({ 'src/main/a.ts': 60, 'src/main/deep/b.ts': 50, [BUILD_MARK]: 10 }))).toBe('fresh');
  });

  it('is stale when any source file, however deep, changed after the build (a git pull)', () => {
    expect(buildState(tree({ 'src/main/a.ts': 60, 'src/main/deep/er/b.ts': 5, [BUILD_MARK]: 10 }))).toBe('stale');
  });

  it('is fresh with no sources at all (an installed package)', () => {
    expect(buildState(tree({ [BUILD_MARK]: 10 }))).toBe('fresh');
  });
});
