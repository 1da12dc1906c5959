import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { RoutingTestsFile, type RoutingTestCase } from '../../../src/main/config/schemas/routing_tests.js';
import { loadConfig } from '../../../src/main/config/load.js';
import { describeRoutingTestFailure, routingTestsValidator, runRoutingTests } from '../../../src/main/routing/routing-tests.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const readYaml = (p: string): unknown => parse(fs.readFileSync(p, 'utf8'));

const seedRules = RoutingFile.parse(readYaml(path.join(import.meta.dirname, 'fixtures/seed_routing_rules.yaml')));
const shippedTests = RoutingTestsFile.parse(readYaml(path.join(ROOT, 'config/base/routing_tests.yaml')));
const shippedRulesPath = path.join(ROOT, 'config/base/routing_rules.yaml');

describe('config/base/routing_tests.yaml', () => {
  it('has cases', () => {
    expect(shippedTests.cases.length).toBeGreaterThan(5);
  });

  it("passes against the seed's rules", () => {
    expect(runRoutingTests(shippedTests.cases, seedRules).map(describeRoutingTestFailure)).toEqual([]);
  });

  it.skipIf(!fs.existsSync(shippedRulesPath))('passes against config/base/routing_rules.yaml', () => {
    const shipped = RoutingFile.parse(readYaml(shippedRulesPath));
    expect(runRoutingTests(shippedTests.cases, shipped).map(describeRoutingTestFailure)).toEqual([]);
  });
});

describe('runRoutingTests', () => {
  const base = { sessions: [{ name: 'dev_worker2', provider: 'claude', state: 'idle' as const }] };
  const cases: RoutingTestCase[] = [
    { name: 'right', task: { type: 'bug_fix' }, ...base, expect: { session: 'dev_worker2' } },
    { name: 'wrong session', task: { type: 'bug_fix' }, ...base, expect: { session: 'codex' } },
    { name: 'expected queued', task: { type: 'bug_fix' }, ...base, expect: { queued: true } },
    { name: 'expected a session, got queued', task: { type: 'bug_fix' }, sessions: [], expect: { session: 'dev_worker2' } },
  ];

  it('reports each failing case by position with the decision made and its reason', () => {
    expect(runRoutingTests(cases, seedRules)).toEqual([
      { index: 1, name: 'wrong session', expected: 'session codex', actual: 'session dev_worker2', reason: 'assigned to dev_worker2 (preferred #1 for bug_fix)' },
      { index: 2, name: 'expected queued', expected: 'queued', actual: 'session dev_worker2', reason: 'assigned to dev_worker2 (preferred #1 for bug_fix)' },
      {
        index: 3,
        name: 'expected a session, got queued',
        expected: 'session dev_worker2',
        actual: 'queued',
        reason: 'queued: no idle session among [dev_worker2, codex]; dev_worker2 is not running; codex is not running; retry in 60 s',
      },
    ]);
  });

  it('a rule edit that breaks a shipped case is caught', () => {
    const edited = RoutingFile.parse({
      ...seedRules,
      environment_routing: { ...seedRules.environment_routing, bug_fix: { preferred_sessions: ['codex', 'dev_worker2'] } },
    });
    const failures = runRoutingTests(shippedTests.cases, edited);
    expect(failures.map((f) => f.name)).toContain('bug fix goes to its first preferred session');
  });

  it('a rule edit that breaks a case makes the real config loader refuse, at the case position', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-routing-tests-'));
    try {
      fs.cpSync(path.join(ROOT, 'config/base'), path.join(dir, 'base'), { recursive: true });
      expect(loadConfig({ dir, env: null, validators: [routingTestsValidator] })).toMatchObject({ ok: true });

      const rulesFile = path.join(dir, 'base/routing_rules.yaml');
      fs.writeFileSync(rulesFile, fs.readFileSync(rulesFile, 'utf8').replace('["dev_worker2", "codex"]', '["codex", "dev_worker2"]'));
      const result = loadConfig({ dir, env: null, validators: [routingTestsValidator] });
      const testsFile = path.join(dir, 'base/routing_tests.yaml');
      const caseLine = fs.readFileSync(testsFile, 'utf8').split('\n').findIndex((l) => l.includes('bug fix goes to its first preferred session')) + 1;
      expect(result.ok).toBe(false);
      const problems = result.ok ? [] : result.problems;
      expect(problems).toContainEqual({
        file: testsFile,
        line: caseLine,
        col: expect.any(Number),
        message: 'routing test #1 "bug fix goes to its first preferred session": expected session dev_worker2, got session codex — assigned to codex (preferred #1 for bug_fix)',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
