import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeYaml, ITEM, parentPath, schemaKeyFor, schemasAt, type JsonSchema } from '../../../src/renderer/src/config/schemaCompletion.js';

const schemaOf = (key: string): JsonSchema => JSON.parse(fs.readFileSync(path.resolve(`config/schema/${key}.schema.json`), 'utf8')) as JsonSchema;

/** Completion at the `|` of a YAML text: the labels offered, and the word they replace. */
function at(schema: JsonSchema, marked: string): { labels: string[]; word: string } | null {
  const pos = marked.indexOf('|');
  const text = marked.slice(0, pos) + marked.slice(pos + 1);
  const r = completeYaml(schema, text, pos);
  return r && { labels: r.options.map((o) => o.label), word: text.slice(r.from, pos) };
}

const small: JsonSchema = {
  type: 'object',
  $defs: {
    step: {
      oneOf: [
        { type: 'object', properties: { id: { type: 'string' }, type: { const: 'query' }, query: { type: 'string', description: 'a named query' } }, additionalProperties: false },
        { type: 'object', properties: { id: { type: 'string' }, type: { const: 'wait' }, seconds: { type: 'number' } }, additionalProperties: false },
      ],
    },
  },
  properties: {
    version: { type: 'string', description: 'format version' },
    enabled: { type: 'boolean' },
    level: { type: 'string', enum: ['ok', 'warning', 'critical'] },
    channels: { type: 'array', items: { type: 'string', enum: ['dashboard', 'desktop', 'log'] } },
    flows: { type: 'object', additionalProperties: { type: 'object', properties: { steps: { type: 'array', items: { $ref: '#/$defs/step' } } } } },
  },
  required: ['version'],
};

describe('schemaKeyFor: which schema a config file follows', () => {
  it.each([
    ['base/sla_rules.yaml', 'sla_rules'],
    ['config/base/workflows.yaml', 'workflows'],
    ['environments/production.yaml', 'overrides'],
    ['local/overrides.yaml', 'overrides'],
    ['notes.txt', null],
  ])('%s → %s', (file, key) => expect(schemaKeyFor(file)).toBe(key));
});

describe('parentPath: the YAML path above a column, by indentation', () => {
  const lines = ['flows:', '  deploy:', '    steps:', '      - id: a', '        type: query', '      - type: wait', '        seconds: 3', ''];
  it.each([
    [2, 2, ['flows']],
    [4, 4, ['flows', 'deploy']],
    [8, 8, ['flows', 'deploy', 'steps', ITEM]],
    [7, 8, ['flows', 'deploy', 'steps', ITEM]],
    [0, 0, []],
  ])('line %i, column %i', (line, col, expected) => expect(parentPath(lines, line, col)).toEqual(expected));

  it('reads a sequence written at its key’s indent', () => {
    expect(parentPath(['steps:', '- id: a', '  ty'], 2, 2)).toEqual(['steps', ITEM]);
  });
});

describe('schemasAt: walks properties, additionalProperties, items, $ref and oneOf', () => {
  it('reaches both step kinds through $ref + oneOf', () => {
    expect(schemasAt(small, ['flows', 'any_name', 'steps', ITEM])).toHaveLength(2);
  });
  it('is empty off the schema', () => {
    expect(schemasAt(small, ['nope', 'deeper'])).toEqual([]);
  });
});

describe('completeYaml', () => {
  it('offers the top-level keys with type, required and description', () => {
    const pos = 0;
    const r = completeYaml(small, '', pos);
    expect(r?.options.map((o) => o.label)).toEqual(['version', 'enabled', 'level', 'channels', 'flows']);
    expect(r?.options[0]).toMatchObject({ apply: 'version: ', detail: 'string · required', description: 'format version' });
  });

  it('leaves out keys already written and replaces the partial word', () => {
    expect(at(small, 'version: "1"\nle|')).toEqual({ labels: ['enabled', 'level', 'channels', 'flows'], word: 'le' });
  });

  it('offers enum values and booleans after `key: `', () => {
    expect(at(small, 'level: w|')).toEqual({ labels: ['ok', 'warning', 'critical'], word: 'w' });
    expect(at(small, 'enabled: |')?.labels).toEqual(['true', 'false']);
    expect(at(small, 'level: "cr|')?.word).toBe('cr');
  });

  it('offers the item enum after `- `', () => {
    expect(at(small, 'channels:\n  - |')?.labels).toEqual(['dashboard', 'desktop', 'log']);
  });

  it('offers the keys of a step, narrowed by its `type`', () => {
    expect(at(small, 'flows:\n  f:\n    steps:\n      - |')?.labels).toEqual(['id', 'type', 'query', 'seconds']);
    expect(at(small, 'flows:\n  f:\n    steps:\n      - type: wait\n        |')?.labels).toEqual(['id', 'seconds']);
    expect(at(small, 'flows:\n  f:\n    steps:\n      - type: |')?.labels).toEqual(['query', 'wait']);
  });

  it('offers nothing in a comment, in free-form values or off the schema', () => {
    expect(at(small, '# le|')).toBeNull();
    expect(at(small, 'version: |')).toBeNull();
    expect(at(small, 'nope:\n  |')).toBeNull();
  });

  it('works on the real sla_rules schema (additionalProperties, items, enum)', () => {
    const sla = schemaOf('sla_rules');
    expect(at(sla, 'sla_targets:\n  bug_fix:\n    |')?.labels).toEqual(['target_minutes', 'warning_percent', 'critical_percent', 'description']);
    expect(at(sla, 'escalation_rules:\n  - condition: "x"\n    action: |')?.labels).toEqual(['alert_user', 'highlight_task', 'reassign']);
    expect(at(sla, 'escalation_rules:\n  - condition: "x"\n    notification_channels:\n      - d|')?.labels).toEqual(['dashboard', 'desktop', 'log']);
  });

  it('works on the real workflows schema (steps through $ref and oneOf)', () => {
    const wf = schemaOf('workflows');
    const labels = at(wf, 'workflows:\n  w:\n    steps:\n      - id: a\n        type: query\n        |')?.labels;
    expect(labels).toEqual(['query', 'params']);
  });

  it('offers the overridable files in an environment file', () => {
    expect(at(schemaOf('overrides'), 'sla|')?.labels).toContain('sla_rules');
  });
});
