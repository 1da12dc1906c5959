import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_FILE_KEYS, CONFIG_FILES } from '../../src/main/config/files.js';

// Docs list every field of every file (issue 18): each key any config schema accepts
// is named in docs/configuration.md (agents.yaml's detection keys in docs/agents.md,
// which configuration.md points to).

type JsonSchema = Record<string, unknown>;

function keys(schema: unknown, root: JsonSchema, at: string, seen: Set<unknown>, out: Set<string>): void {
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as JsonSchema;
  if (typeof s.$ref === 'string') {
    const target = s.$ref.replace(/^#\//, '').split('/').reduce<unknown>((n, p) => (n as JsonSchema | undefined)?.[p], root);
    if (seen.has(target)) return;
    seen.add(target);
    keys(target, root, at, seen, out);
    return;
  }
  for (const k of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) for (const n of (s[k] as unknown[] | undefined) ?? []) keys(n, root, at, seen, out);
  if (s.items !== undefined) keys(s.items, root, `${at}[]`, seen, out);
  for (const [k, v] of Object.entries((s.properties as JsonSchema | undefined) ?? {})) {
    out.add(`${at}.${k}`);
    keys(v, root, `${at}.${k}`, seen, out);
  }
  if (typeof s.additionalProperties === 'object') keys(s.additionalProperties, root, `${at}.*`, seen, out);
}

const doc = (name: string): string => fs.readFileSync(path.resolve('docs', name), 'utf8');

describe('docs name every config field', () => {
  it('every key of every file is in docs/configuration.md (agents.yaml: or docs/agents.md)', () => {
    const configuration = doc('configuration.md');
    const agents = doc('agents.md');
    const missing: string[] = [];
    for (const file of CONFIG_FILE_KEYS) {
      const json = z.toJSONSchema(CONFIG_FILES[file].schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      const found = new Set<string>();
      keys(json, json, file, new Set(), found);
      for (const k of found) {
        const name = k.split('.').pop()!;
        const named = new RegExp(`\\b${name}\\b`);
        if (!named.test(configuration) && !(file === 'agents' && named.test(agents))) missing.push(k);
      }
    }
    expect(missing).toEqual([]);
  });
});
