import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_FILE_KEYS, CONFIG_FILES } from '../../../src/main/config/files.js';

// Nothing accepted and ignored (issue 18): every key any config file's schema accepts
// is read by some code path of the running console, and every enum value it accepts
// is handled by one. The schemas themselves and `config check` (src/main/config/checks)
// do not count: validating a key is not honouring it.
//
// "Read" is found in the source: a key `c` under a parent `b` is read when a file
// accesses `.c` (or `['c']`, or destructures it) and also names `b` (snake_case,
// camelCase, PascalCase or singular: `dashboard_panels` → `DashboardPanel`), so that
// `.icon` of a sidebar link does not count for `dashboard_panels[].icon`. Where the
// value travels as a whole object into a file that does not name its parent,
// READ_IN names that file and the test checks the access is there.

const ROOT = path.resolve(__dirname, '../../..');

type JsonSchema = Record<string, unknown>;

/** Every key path of a JSON schema: `file.a.b`, `[]` for array items, `*` for record values. */
function keyPaths(schema: unknown, root: JsonSchema, at: string, seen: Set<unknown>, keys: Set<string>, enums: Map<string, Set<string>>): void {
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as JsonSchema;
  if (typeof s.$ref === 'string') {
    const target = s.$ref.replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as JsonSchema | undefined)?.[part], root);
    if (seen.has(target)) return;
    seen.add(target);
    keyPaths(target, root, at, seen, keys, enums);
    return;
  }
  const values = [...((s.enum as unknown[] | undefined) ?? []), ...(s.const !== undefined ? [s.const] : [])].filter((v): v is string => typeof v === 'string');
  if (values.length > 0) enums.set(at, new Set([...(enums.get(at) ?? []), ...values]));
  for (const k of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) for (const n of (s[k] as unknown[] | undefined) ?? []) keyPaths(n, root, at, seen, keys, enums);
  if (s.items !== undefined) keyPaths(s.items, root, `${at}[]`, seen, keys, enums);
  for (const [k, v] of Object.entries((s.properties as JsonSchema | undefined) ?? {})) {
    keys.add(`${at}.${k}`);
    keyPaths(v, root, `${at}.${k}`, seen, keys, enums);
  }
  if (typeof s.additionalProperties === 'object') keyPaths(s.additionalProperties, root, `${at}.*`, seen, keys, enums);
}

const KEYS = new Set<string>();
const ENUMS = new Map<string, Set<string>>();
for (const file of CONFIG_FILE_KEYS) {
  const json = z.toJSONSchema(CONFIG_FILES[file].schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  keyPaths(json, json, file, new Set(), KEYS, ENUMS);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

const stripComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

/** The running console's code: everything under src/ but the schemas and config check. */
const READERS = sourceFiles(path.join(ROOT, 'src'))
  .map((f) => path.relative(ROOT, f))
  .filter((f) => !f.startsWith('src/main/config/schemas/') && !f.startsWith('src/main/config/checks/'))
  .map((f) => ({ file: f, text: stripComments(fs.readFileSync(path.join(ROOT, f), 'utf8')) }));

/**
 * Keys no code needs to read: they document the file for its reader. Keep this short;
 * anything that changes behaviour does not belong here.
 */
const DOC_ONLY: Record<string, string> = {
  // The format version every file starts with; there has only been 1.0.
  'sla_rules.version': 'format version',
  'routing_rules.version': 'format version',
  'ui_config.version': 'format version',
  'queries.version': 'format version',
  'workflows.version': 'format version',
  'agents.version': 'format version',
  'routing_tests.version': 'format version',
  'servers.version': 'format version',
  'notifications.version': 'format version',
  // Free text for whoever edits the file (descriptions that the console shows are read
  // and not listed here: queries, workflows, agents' rules, notification channels).
  'sla_rules.sla_targets.*.description': 'comment',
  'routing_rules.environment_routing.*.description': 'comment',
  // A note on a detection rule for whoever edits agents.yaml; `agents explain` names the rule by id.
  'agents.agents.*.rules[].description': 'comment',
  // Each fallback condition has exactly one action (the schema pins it): the action
  // names what the condition does, for the reader.
  'routing_rules.fallback_rules[].action': 'fixed by condition',
};

/** Reads of a value passed whole into a file that does not name its parent key: file → the access. */
const READ_IN: Record<string, { file: string; access: RegExp }> = {
  'routing_rules.environment_routing.*.requires_env': { file: 'src/main/assigner/environment.ts', access: /rule\?\.requires_env/ },
  'routing_rules.environment_routing.*.auto_create_env': { file: 'src/main/assigner/environment.ts', access: /rule\.auto_create_env/ },
  'routing_rules.environment_routing.*.port_range': { file: 'src/main/assigner/environment.ts', access: /rule\.port_range/ },
  'routing_rules.environment_routing.*.merge_via_pr': { file: 'src/main/assigner/environment-keeper.ts', access: /rule\.merge_via_pr/ },
  'ui_config.table_configs.*.default_sort.order': { file: 'src/renderer/src/tasks/TasksPage.tsx', access: /config\.default_sort/ },
  'routing_tests.cases[].expect.queued': { file: 'src/main/routing/routing-tests.ts', access: /'session' in|'queued' in|\.queued\b/ },
};

/**
 * Known to be accepted and ignored, each with the part of issue 18 that fixes it.
 * This list only shrinks: an entry that is read now fails the test until removed.
 */
const NOT_YET: Record<string, string> = {
};

/** Enum values the schemas accept that no code handles (by its quoted literal), with the part that fixes each. */
const ENUM_NOT_YET: Record<string, string> = {
};

/** Enum values that need no handling code. */
const ENUM_DOC_ONLY: Record<string, string> = {
  // The default: a manual workflow is one that no trigger starts (run from the console or CLI).
  'workflows.workflows.*.trigger.type=manual': 'absence of a trigger',
  'routing_rules.fallback_rules[].action=queue_task': 'fixed by condition',
  'routing_rules.fallback_rules[].action=route_to_default': 'fixed by condition',
};

/** Enums whose values are all handled alike (passed on or looked up), so no value has its own literal. */
const ENUM_GENERIC: Record<string, string> = {
  'notifications.quiet_hours.days[]': 'looked up by position in WEEKDAYS',
  'notifications.rules[].quiet_hours.days[]': 'looked up by position in WEEKDAYS',
  'agents.agents.*.dialogs[].kind': 'shown as the dialog\'s label; answered alike',
  'notifications.channels.*.priority': 'sent to ntfy as written',
  'notifications.channels.*.format': 'slack and ntfy have their own shape; generic is the rest',
  // Each name is a key of PanelIcon's drawings (test/e2e/dashboards.test.ts checks all are drawn).
  'ui_config.dashboard_panels[].icon': 'looked up in PanelIcon',
};

const variants = (name: string): string[] => {
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const pascal = camel.charAt(0).toUpperCase() + camel.slice(1);
  return [...new Set([name, camel, pascal].flatMap((v) => [v, v.replace(/s$/, '')]))];
};

/** Files that read the key at `keyPath` (by the rule at the top of this file). */
function readersOf(keyPath: string): string[] {
  const parts = keyPath.replace(/\[\]/g, '').split('.').filter((p) => p !== '*');
  const name = parts[parts.length - 1]!;
  const owner = parts.length > 2 ? parts[parts.length - 2]! : null;
  const access = new RegExp(`\\??\\.${name}\\b(?!\\s*\\()|\\[['"]${name}['"]\\]|\\{[^{}()]*\\b${name}\\b[^{}()]*\\}\\s*(=[^=>]|\\)|:\\s*[A-Z])`);
  const ownerRe = owner ? new RegExp(`\\b(${variants(owner).join('|')})\\b`) : null;
  return READERS.filter((r) => access.test(r.text) && (!ownerRe || ownerRe.test(r.text))).map((r) => r.file);
}

function handled(value: string): boolean {
  const literal = new RegExp(`['"\`]${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`]`);
  return READERS.some((r) => literal.test(r.text));
}

describe('every config key is read by the console (schema walk)', () => {
  it('walks every file (sanity: the walk finds the keys the issue names)', () => {
    expect(KEYS.size).toBeGreaterThan(200);
    for (const k of ['ui_config.dashboard_panels[].icon', 'workflows.workflows.*.trigger.endpoint', 'agents.agents.*.provider', 'notifications.rules[].quiet_hours.days']) expect(KEYS).toContain(k);
    expect(ENUMS.get('ui_config.table_configs.*.columns[].format')).toEqual(new Set(['text', 'relative_time', 'datetime', 'number', 'duration']));
  });

  it('no key is accepted and ignored', () => {
    const unread = [...KEYS].filter((k) => !(k in DOC_ONLY) && !(k in READ_IN) && !(k in NOT_YET) && readersOf(k).length === 0);
    expect(unread, 'keys a schema accepts that no code reads: honour them, refuse them in config check, or (documentation only) list them in DOC_ONLY').toEqual([]);
  });

  it('every enum value is handled', () => {
    const unhandled = [...ENUMS].filter(([at]) => !(at in ENUM_GENERIC)).flatMap(([at, values]) => [...values].map((v) => `${at}=${v}`)).filter((e) => !(e in ENUM_DOC_ONLY) && !(e in ENUM_NOT_YET) && !handled(e.split('=')[1]!));
    expect(unhandled).toEqual([]);
  });

  it('READ_IN points at real reads', () => {
    for (const [key, { file, access }] of Object.entries(READ_IN)) {
      expect(KEYS, key).toContain(key);
      expect(fs.readFileSync(path.join(ROOT, file), 'utf8'), `${key} in ${file}`).toMatch(access);
    }
  });

  it('the allow-lists stay short and name real keys; NOT_YET only shrinks', () => {
    expect(Object.keys(DOC_ONLY).length).toBeLessThanOrEqual(15);
    for (const key of [...Object.keys(DOC_ONLY), ...Object.keys(NOT_YET)]) expect(KEYS, key).toContain(key);
    // Once something reads a NOT_YET key, the entry must go.
    const nowRead = Object.keys(NOT_YET).filter((k) => readersOf(k).length > 0);
    expect(nowRead, 'these are read now: remove them from NOT_YET').toEqual([]);
    const nowHandled = Object.keys(ENUM_NOT_YET).filter((e) => handled(e.split('=')[1]!));
    expect(nowHandled, 'these are handled now: remove them from ENUM_NOT_YET').toEqual([]);
  });
});
