import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/load.js';
import { positionOf, tempConfig, type TempConfig } from './temp-config.js';

let cfg: TempConfig;
beforeEach(() => {
  cfg = tempConfig();
});
afterEach(() => cfg.remove());

function load(env: string | null) {
  const r = loadConfig({ dir: cfg.dir, env });
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.message}`).join('\n'));
  return r.snapshot;
}

describe('layering: base → environments/$ENV.yaml → local/overrides.yaml', () => {
  it('environment merges objects, replaces arrays, null deletes; local wins over environment', () => {
    cfg.write('environments/staging.yaml', 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 8\n      preferred_sessions: [codex]\n      timeout_minutes: null\n');
    cfg.write('local/overrides.yaml', 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 10\n');
    const s = load('staging');
    const bug = s.routing.environment_routing.bug_fix;
    expect(bug).toMatchObject({ priority: 10, preferred_sessions: ['codex'], urgent: true });
    expect(bug?.timeout_minutes).toBeUndefined();
    expect(s.files.map((f) => [f.path, f.layer]).slice(-2)).toEqual([['environments/staging.yaml', 'environment'], ['local/overrides.yaml', 'local']]);
  });

  it('without an env only base and local apply', () => {
    cfg.write('environments/staging.yaml', 'sla_rules:\n  sla_targets:\n    git:\n      target_minutes: 99\n');
    expect(load(null).sla.sla_targets.git?.target_minutes).toBe(3);
    expect(load('staging').sla.sla_targets.git?.target_minutes).toBe(99);
  });

  it('a problem in an overridden value points at the override file', () => {
    cfg.write('local/overrides.yaml', 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 42\n');
    const r = loadConfig({ dir: cfg.dir, env: null });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual([{ file: cfg.path('local/overrides.yaml'), line: 4, col: 17, message: 'environment_routing.bug_fix.priority: Too big: expected number to be <=10' }]);
  });

  it('an unknown section in an override file is reported with did-you-mean', () => {
    cfg.write('local/overrides.yaml', '# mine\nrouting_rule:\n  excluded_sessions: []\n');
    const r = loadConfig({ dir: cfg.dir, env: null });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ ...positionOf(cfg.read('local/overrides.yaml'), 'routing_rule:'), message: expect.stringContaining('(did you mean "routing_rules"?)') });
  });

  it('an environment without a file is an error', () => {
    const r = loadConfig({ dir: cfg.dir, env: 'prodution' });
    expect(r.ok).toBe(false);
  });

  it('the version follows the content, and the snapshot is frozen', () => {
    const a = load(null);
    expect(load(null).version).toBe(a.version);
    cfg.edit('base/sla_rules.yaml', 'target_minutes: 5', 'target_minutes: 6');
    expect(load(null).version).not.toBe(a.version);
    expect(Object.isFrozen(a.routing.environment_routing)).toBe(true);
    expect(() => {
      (a.routing.excluded_sessions as string[]).push('x');
    }).toThrow();
  });

  it('validators registered by other subsystems block the load with their problems', () => {
    let seen = 0;
    const r = loadConfig({
      dir: cfg.dir,
      env: null,
      validators: [
        (s, locate) => {
          seen = Object.keys(s.queries.queries).length;
          return [{ ...locate('queries', ['queries', 'tasks_by_id', 'sql']), message: `no such column in ${seen} queries` }];
        },
      ],
    });
    expect(seen).toBeGreaterThan(0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ file: cfg.path('base/queries.yaml'), ...positionOf(cfg.read('base/queries.yaml'), '|\n      SELECT\n        id, type, title'), message: `no such column in ${seen} queries` });
  });
});
