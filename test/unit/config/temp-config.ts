import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// A private copy of the shipped config in a temp folder, for tests that edit files.

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/base');
/** The files this engine ships; agents.yaml and routing_tests.yaml belong to other subsystems. */
export const SHIPPED_FILES = ['sla_rules.yaml', 'routing_rules.yaml', 'ui_config.yaml', 'queries.yaml', 'workflows.yaml'];

export interface TempConfig {
  dir: string;
  path(rel: string): string;
  read(rel: string): string;
  write(rel: string, text: string): void;
  /** Replaces the first occurrence of `from` (which must exist) in a file. */
  edit(rel: string, from: string, to: string): void;
  remove(): void;
}

export function tempConfig(): TempConfig {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-config-'));
  const dir = path.join(root, 'config');
  fs.mkdirSync(path.join(dir, 'base'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'environments'));
  fs.mkdirSync(path.join(dir, 'local'));
  for (const f of SHIPPED_FILES) fs.copyFileSync(path.join(SHIPPED, f), path.join(dir, 'base', f));
  const t: TempConfig = {
    dir,
    path: (rel) => path.join(dir, rel),
    read: (rel) => fs.readFileSync(path.join(dir, rel), 'utf8'),
    write: (rel, text) => fs.writeFileSync(path.join(dir, rel), text),
    edit: (rel, from, to) => {
      const text = t.read(rel);
      if (!text.includes(from)) throw new Error(`test setup: ${rel} does not contain ${JSON.stringify(from)}`);
      t.write(rel, text.replace(from, to));
    },
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
  return t;
}

/** 1-based line and column where `needle` starts in `text` (the nth occurrence). */
export function positionOf(text: string, needle: string, nth = 1): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) throw new Error(`test setup: ${JSON.stringify(needle)} not found`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: (before[before.length - 1] ?? '').length + 1 };
}
