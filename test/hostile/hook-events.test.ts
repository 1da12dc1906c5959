import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HookEvent } from '../../src/main/hooks/events.js';
import { HookTail } from '../../src/main/hooks/tail.js';

// The agent hook events file is written by anything that runs in a pane: the
// console follows it without blocking, without unbounded memory, and takes only
// well-formed events.

let dir: string;
let file: string;
let events: HookEvent[];
let tail: HookTail;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-hooks-'));
  file = path.join(dir, 'events.jsonl');
  events = [];
  tail = new HookTail(file, (e) => events.push(e));
});
afterEach(() => {
  tail.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const line = (pane: string, state = 'working'): string => JSON.stringify({ at: new Date().toISOString(), agent: 'claude', state, reason: null, event: 'Stop', server: 'default', pane }) + '\n';

describe('hostile hook events', () => {
  it('a line that never ends is dropped without holding it all, and later events still count', () => {
    fs.writeFileSync(file, '');
    tail.poll();
    fs.appendFileSync(file, line('%1'));
    tail.poll();
    for (let i = 0; i < 20; i++) {
      fs.appendFileSync(file, 'x'.repeat(256 * 1024)); // 5 MB in all, no newline
      tail.poll();
    }
    const held = (tail as unknown as { partial: string }).partial.length;
    expect(held).toBeLessThan(64 * 1024);
    fs.appendFileSync(file, '\n' + line('%2'));
    tail.poll();
    expect(events.map((e) => e.pane)).toEqual(['%1', '%2']);
  });

  it('junk, hostile fields and floods: only well-formed events, and a flood is read from its recent end', () => {
    fs.writeFileSync(file, '');
    tail.poll();
    const junk = [
      '\u0000\u0001\u00ff garbage',
      '{"pane":"%1; rm -rf /","state":"working","server":"default","at":"2026-01-01T00:00:00Z"}',
      '{"pane":"%1","state":"owned","server":"default","at":"2026-01-01T00:00:00Z"}',
      '{"pane":"%1","state":"idle","server":"../../etc","at":"2026-01-01T00:00:00Z"}',
      '{"pane":"%1","state":"idle","server":"default","at":"not a date"}',
      `{"pane":"%1","state":"idle","server":"default","at":"2026-01-01T00:00:00Z","agent":"${'a'.repeat(10_000)}"}`,
      '[[[[[[[[[[[[[[[[[[[[[[[[',
    ].join('\n');
    fs.appendFileSync(file, junk + '\n');
    fs.appendFileSync(file, Array.from({ length: 50_000 }, (_, i) => line(`%${i}`)).join(''));
    tail.poll();
    expect(events.every((e) => /^%\d+$/.test(e.pane) && e.server === 'default')).toBe(true);
    expect(events.find((e) => e.agent.length > 200)).toBeUndefined();
    // A flood is read from its end: the newest events (what matters now) are there.
    expect(events.at(-1)?.pane).toBe('%49999');
    expect(events.length).toBeLessThan(50_000);
  });

  it('a FIFO, a folder or a device in place of the file: polled without blocking', () => {
    execFileSync('mkfifo', [file]);
    tail.poll(); // would wait forever for a writer if opened plainly
    fs.rmSync(file);
    fs.mkdirSync(file);
    tail.poll();
    fs.rmdirSync(file);
    fs.symlinkSync('/dev/zero', file);
    tail.poll();
    expect(events).toEqual([]);
  });
});
