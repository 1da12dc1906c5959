import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Pages hear of session changes as deltas (`sessions.delta`: what changed), never as
// the full list (`sessions.changed`: ~48 KB for 100 sessions on every publish, kept
// for scripts). A page subscribes to what it listens to, so a listener for the full
// list anywhere in the renderer makes the console serialize and send every session on
// every change: on the 1M seed's bench, the Overview's table panels listened to it
// and that was ~0.8 s of the console's main thread a minute (issue 20).
const root = path.resolve(import.meta.dirname, '../../../src/renderer/src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|tsx)$/.test(e.name) ? [p] : [];
  });
}

describe('renderer session events', () => {
  it('no page listens to the full session list', () => {
    const listening = sources(root).filter((f) => /['"]sessions\.changed['"]/.test(fs.readFileSync(f, 'utf8')));
    expect(listening.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('the fleet and the table panels listen to deltas', () => {
    for (const f of ['data/fleet.tsx', 'tables/ConfigTable.tsx']) expect(fs.readFileSync(path.join(root, f), 'utf8')).toContain("'sessions.delta'");
  });
});
