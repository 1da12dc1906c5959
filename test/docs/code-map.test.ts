import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './markdown.js';

// docs/architecture.md's code map ("How it is built") names every folder and top-level
// file of src/main/, and nothing that is not there: a folder added, moved or removed
// shows up here until the map says so.
const doc = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
const block = /## How it is built\s+```\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
const mainPart = block.slice(block.indexOf('src/main/'), block.indexOf('src/preload/'));

describe('the code map', () => {
  it('names each folder and file of src/main/, and only those', () => {
    expect(mainPart.length).toBeGreaterThan(100);
    const entries = fs.readdirSync(path.join(ROOT, 'src/main'), { withFileTypes: true });
    const folders = entries.filter((e) => e.isDirectory()).map((e) => `${e.name}/`);
    const files = entries.filter((e) => e.isFile()).map((e) => e.name);
    for (const name of [...folders, ...files]) expect(mainPart, name).toMatch(new RegExp(`(^|[\\s(])${name.replace('.', '\\.')}`, 'm'));
    // The folders it lists: at the start of an entry, or after a `;` (two short ones on a line).
    const named = [...mainPart.matchAll(/(?:^ {2}|; )([a-z][a-z-]*)\/(?=\s)/gm)].map((m) => `${m[1]}/`);
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((n) => !folders.includes(n))).toEqual([]);
  });
});
