import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { ESCALATION_VARIABLES } from '../../src/main/config/cel.js';
import { CONFIG_FILE_KEYS, CONFIG_FILES, type ConfigFileKey } from '../../src/main/config/files.js';
import { blocksOf, markdownFiles, ROOT } from './markdown.js';
import fs from 'node:fs';
import path from 'node:path';

// The config fields the docs name are fields the schemas have: every key of every
// YAML example (a whole file, or an override file's sections), and every field the
// "Every field at a glance" list of docs/configuration.md names. Values are left
// alone: examples hold placeholders (NAME, …) on purpose.

type Schema = Record<string, unknown>;

const schemas = Object.fromEntries(
  CONFIG_FILE_KEYS.map((k) => [k, z.toJSONSchema(CONFIG_FILES[k].schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Schema]),
) as Record<ConfigFileKey, Schema>;

/** The alternatives a schema stands for, `$ref`s followed. */
function branches(schema: unknown, root: Schema): Schema[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Schema;
  if (typeof s.$ref === 'string') {
    const target = s.$ref.replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as Schema | undefined)?.[part], root);
    return branches(target, root);
  }
  const nested = [...((s.anyOf as unknown[]) ?? []), ...((s.oneOf as unknown[]) ?? []), ...((s.allOf as unknown[]) ?? [])];
  return nested.length > 0 ? [s, ...nested.flatMap((n) => branches(n, root))] : [s];
}

/** Key paths in `value` that `schema` has no place for. */
function unknownKeys(value: unknown, schema: unknown, root: Schema, at: string): string[] {
  const options = branches(schema, root);
  if (options.length === 0) return [];
  if (Array.isArray(value)) {
    const items = options.flatMap((o) => [o.items, ...((o.prefixItems as unknown[]) ?? [])]).filter((i) => i !== undefined && i !== false);
    if (items.length === 0) return [];
    return value.flatMap((v, i) => (items.some((item) => unknownKeys(v, item, root, `${at}[${i}]`).length === 0) ? [] : unknownKeys(v, items[0], root, `${at}[${i}]`)));
  }
  if (typeof value !== 'object' || value === null) return [];
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const places = options.flatMap((o) => {
      const props = o.properties as Record<string, unknown> | undefined;
      if (props && Object.hasOwn(props, key)) return [props[key]];
      if (o.additionalProperties !== undefined && o.additionalProperties !== false && typeof o.additionalProperties === 'object') return [o.additionalProperties];
      return [];
    });
    const open = options.some((o) => o.type === 'object' && o.properties === undefined && o.additionalProperties === undefined);
    if (places.length === 0 && !open) {
      problems.push(`${at}.${key}`);
      continue;
    }
    if (places.length > 0 && !places.some((p) => unknownKeys(child, p, root, `${at}.${key}`).length === 0)) problems.push(...unknownKeys(child, places[0], root, `${at}.${key}`));
  }
  return problems;
}

/** Which file a YAML example is: an override file (sections named after the files) or the one whose top-level keys it uses. */
function fieldProblems(doc: Record<string, unknown>): string[] {
  const keys = Object.keys(doc);
  // `agents:` alone may be agents.yaml itself or an override file's agents section: either reading will do.
  const asOverride = keys.length > 0 && keys.every((k) => (CONFIG_FILE_KEYS as string[]).includes(k))
    ? keys.flatMap((k) => unknownKeys(doc[k], schemas[k as ConfigFileKey], schemas[k as ConfigFileKey], k))
    : null;
  if (asOverride?.length === 0) return [];
  const file = CONFIG_FILE_KEYS.find((k) => keys.every((key) => Object.hasOwn((schemas[k].properties as object | undefined) ?? {}, key)));
  if (!file) return asOverride ?? [`no config file has all of ${keys.join(', ')}`];
  const asFile = unknownKeys(doc, schemas[file], schemas[file], file);
  return asFile.length === 0 || !asOverride ? asFile : asOverride;
}

/** Every property name and enum value anywhere in a schema: the words a field list may name. */
function vocabulary(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => vocabulary(s, into));
  else if (typeof schema === 'object' && schema !== null) {
    const s = schema as Schema;
    for (const k of Object.keys((s.properties as object | undefined) ?? {})) into.add(k);
    for (const v of (s.enum as unknown[] | undefined) ?? []) into.add(String(v));
    if (s.const !== undefined) into.add(String(s.const));
    Object.values(s).forEach((v) => vocabulary(v, into));
  }
  return into;
}

describe('the config fields in the docs', () => {
  const yamlBlocks = markdownFiles().flatMap(blocksOf).filter((b) => b.lang === 'yaml');

  it('finds the YAML examples (the check is not vacuous)', () => {
    expect(yamlBlocks.length).toBeGreaterThan(5);
  });

  it('every key of every YAML example is a field of its file', () => {
    const problems = yamlBlocks.flatMap((block) => {
      let doc: unknown;
      try {
        doc = parse(block.text);
      } catch (err) {
        // A schematic example (`…` standing for more steps) is not YAML; any other must be.
        return block.text.includes('…') ? [] : [`${block.file}:${block.line}: does not parse: ${(err as Error).message.split('\n')[0]}`];
      }
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return [];
      return fieldProblems(doc as Record<string, unknown>).map((p) => `${block.file}:${block.line}: ${p} is not a config field`);
    });
    expect(problems).toEqual([]);
  });

  it('catches a field no schema has', () => {
    expect(fieldProblems({ routing_rules: { environment_routing: { bug_fix: { prefered_sessions: ['x'] } } } })).toEqual(['routing_rules.environment_routing.bug_fix.prefered_sessions']);
    expect(fieldProblems({ version: '1.0', cases: [{ name: 'x', expect: { sesion: 'a' } }] })).toEqual(['routing_tests.cases[0].expect.sesion']);
    expect(fieldProblems({ version: '1.0', no_such_section: {} })).toEqual(['no config file has all of version, no_such_section']);
  });

  it('every field the at-a-glance list names exists in that file', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8');
    const glance = /## Every field at a glance\n([\s\S]*?)\n## /.exec(text)?.[1] ?? '';
    const paragraphs = glance.split(/\n\s*\n/).filter((p) => /^\*\*\w+\.yaml\*\*/.test(p.trim()));
    expect(paragraphs.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const p of paragraphs) {
      const file = /^\*\*(\w+)\.yaml\*\*/.exec(p.trim())![1] as ConfigFileKey;
      expect(CONFIG_FILE_KEYS).toContain(file);
      // The CEL facts an escalation condition may use are named there too.
      const words = new Set([...vocabulary(schemas[file]), ...(file === 'sla_rules' ? Object.keys(ESCALATION_VARIABLES) : [])]);
      for (const m of p.matchAll(/`([^`]+)`/g)) {
        // `sla_targets.<task type>`, `preferred_sessions[]`, `default_sort {field, order: asc|desc}`: the field names in it.
        const names = m[1]!.replace(/<[^>]*>/g, '').match(/(?<![$\w.{:…])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g) ?? [];
        for (const name of names) if (!words.has(name)) problems.push(`${file}: \`${m[1]}\` names "${name}", which ${file}.yaml does not have`);
      }
    }
    expect(problems).toEqual([]);
  });
});
