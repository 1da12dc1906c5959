import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_TABLES } from '../../../src/main/config/checks/database.js';
import { loadConfig } from '../../../src/main/config/load.js';
import { checkInsert } from '../../../src/main/store/workflow-writes.js';
import { positionOf, tempConfig, type TempConfig } from './temp-config.js';

let cfg: TempConfig;
beforeEach(() => {
  cfg = tempConfig();
});
afterEach(() => cfg.remove());

interface Case {
  name: string;
  file: string;
  from: string;
  to: string;
  /** Where the problem must point: the nth occurrence of this text in the edited file. */
  at: string;
  nth?: number;
  message: string;
}

const R = 'base/routing_rules.yaml';
const S = 'base/sla_rules.yaml';
const U = 'base/ui_config.yaml';
const W = 'base/workflows.yaml';

const cases: Case[] = [
  { name: 'YAML syntax', file: S, from: 'target_minutes: 5\n', to: 'target_minutes: [5\n', at: 'warning_percent: 80', message: 'Flow sequence in block collection must be sufficiently indented' },
  { name: 'duplicate key', file: S, from: '    warning_percent: 80\n', to: '    warning_percent: 80\n    warning_percent: 90\n', at: 'warning_percent: 90', message: 'duplicate key "warning_percent"' },
  { name: 'unknown key with did-you-mean', file: R, from: 'preferred_sessions: ["dev_worker2", "codex"]', to: 'prefered_sessions: ["dev_worker2", "codex"]', at: 'prefered_sessions', message: 'unknown key "prefered_sessions" in environment_routing.bug_fix (did you mean "preferred_sessions"?)' },
  { name: 'wrong type', file: R, from: 'priority: 9', to: 'priority: high', at: 'high\n', message: 'environment_routing.bug_fix.priority: expected number, received string' },
  { name: 'unknown discriminator', file: W, from: 'type: "notification"', to: 'type: "notifcation"', at: '"notifcation"', message: '"notifcation" is not one of' },
  { name: 'missing required key', file: S, from: '    target_minutes: 3\n', to: '', at: 'git:', message: 'missing number "target_minutes" in sla_targets.git' },
  { name: 'percent out of range', file: S, from: 'warning_percent: 70', to: 'warning_percent: 170', at: '170', message: 'a percentage is 0–100' },
  { name: 'warning after critical', file: S, from: 'warning_percent: 70', to: 'warning_percent: 95', at: '95', message: 'warning_percent of deploy (95) is above its critical_percent (90)' },
  { name: 'port range backwards', file: R, from: 'port_range: [6001, 6010]   #', to: 'port_range: [6010, 6001]   #', at: '[6010, 6001]', message: 'port_range of ui_improvement is [first, last]: 6010 is after 6001' },
  { name: 'port out of range', file: R, from: 'port_range: [6001, 6010]   #', to: 'port_range: [6001, 70000]   #', at: '70000', message: 'port_range[1]: Too big' },
  { name: 'preferred session excluded', file: R, from: 'preferred_sessions: ["dev_worker1"]', to: 'preferred_sessions: ["architect", "dev_worker1"]', at: '"architect", "dev', message: 'preferred session "architect" of infrastructure is in excluded_sessions' },
  { name: 'SLA reassign to an excluded session', file: S, from: '    action: "highlight_task"\n    color: "yellow"', to: '    action: "reassign"\n    to_session: "architect"', at: '"architect"', message: 'to_session "architect" is in excluded_sessions, so the task could never go there' },
  { name: 'to_session on another action', file: S, from: '    action: "highlight_task"\n    color: "yellow"', to: '    action: "highlight_task"\n    to_session: "dev_worker1"', at: 'to_session', message: 'to_session applies to action reassign only, not highlight_task' },
  { name: 'workflow reassign to an excluded session', file: W, from: 'to_session: "dev_worker2"', to: 'to_session: "architect"', at: '"architect"', message: 'workflow feature_development: to_session "architect" is in excluded_sessions' },
  { name: 'default session excluded', file: R, from: 'default_session: "dev_worker1"', to: 'default_session: "arch_dev"', at: '"arch_dev"', nth: 1, message: 'default_session "arch_dev" is in excluded_sessions' },
  { name: 'unknown workflow function', file: W, from: 'function: "cleanup_environment"', to: 'function: "cleanup_enviroment"', at: '"cleanup_enviroment"', message: 'workflow feature_development: unknown function "cleanup_enviroment" (did you mean "cleanup_environment"?)' },
  { name: 'unknown workflow query', file: W, from: 'query: "tasks_by_id"', to: 'query: "task_by_id"', at: '"task_by_id"', message: 'unknown query "task_by_id" (did you mean "tasks_by_id"?)' },
  { name: 'unknown step reference', file: W, from: 'task_id: "${steps.create_task.id}"\n          routing_rules: "${config.routing_rules.bug_fix}"', to: 'task_id: "${steps.create_tsk.id}"\n          routing_rules: "${config.routing_rules.bug_fix}"', at: '"${steps.create_tsk.id}"', message: 'workflow bug_fix: ${steps.create_tsk.id}: unknown step "create_tsk" (did you mean "create_task"?)' },
  { name: 'reference to a later step', file: W, from: 'task_id: "${steps.create_task.id}"\n          routing_rules: "${config.routing_rules.bug_fix}"', to: 'task_id: "${steps.notify_stakeholders.id}"\n          routing_rules: "${config.routing_rules.bug_fix}"', at: '"${steps.notify_stakeholders.id}"', message: 'step "notify_stakeholders" runs later' },
  { name: 'config path that does not resolve', file: W, from: '${config.routing_rules.feature_development.merge_via_pr}', to: '${config.routing_rules.feature_development.merge_via_prs}', at: '"${config.routing_rules.feature_development.merge_via_prs}"', message: 'config.routing_rules.feature_development has no "merge_via_prs" (did you mean "merge_via_pr"?)' },
  { name: 'rollback of an unknown step', file: W, from: 'steps: ["create_environment", "create_task"]', to: 'steps: ["create_env", "create_task"]', at: '"create_env"', message: 'rollback names unknown step "create_env"' },
  { name: 'api trigger on a path the console serves', file: W, from: 'endpoint: "/api/bugs"', to: 'endpoint: "/api/query/bugs"', at: '"/api/query/bugs"', message: 'workflow bug_fix: /api/query/bugs is served by the console itself' },
  { name: 'two workflows on one endpoint', file: W, from: 'endpoint: "/api/bugs"', to: 'endpoint: "/api/features"', at: '"/api/features"', nth: 2, message: 'workflow bug_fix: POST /api/features already starts workflow feature_development' },
  { name: 'api trigger without endpoint', file: W, from: '      endpoint: "/api/bugs"\n', to: '', at: 'type: "api"', nth: 2, message: 'workflow bug_fix: an api trigger needs an endpoint' },
  { name: 'unknown trigger event', file: W, from: 'type: "manual"\n    # input: project_path', to: 'type: "event"\n      event: "task_complete"\n    # input: project_path', at: '"task_complete"', message: 'workflow test: unknown event "task_complete" (did you mean "task_completed"?)' },
  { name: 'trigger.body in a manual workflow', file: W, from: 'project_path: "${input.project_path}"\n          port_range', to: 'project_path: "${trigger.body.project_path}"\n          port_range', at: '"${trigger.body.project_path}"', message: "workflow test: ${trigger.body.project_path}: trigger.body is set only by type: api triggers, and this workflow's trigger is type: manual (it sets type)" },
  { name: 'trigger.task in an api workflow', file: W, from: 'environment: "${input.environment}"', to: 'environment: "${trigger.task.id}"', at: '"${trigger.task.id}"', message: "workflow deploy: ${trigger.task.id}: trigger.task is set only by type: event triggers, and this workflow's trigger is type: api (it sets type, endpoint, method, body, query)" },
  { name: 'unknown trigger field', file: W, from: 'environment: "${input.environment}"', to: 'environment: "${trigger.bdy.environment}"', at: '"${trigger.bdy.environment}"', message: 'workflow deploy: ${trigger.bdy.environment}: a trigger has no "bdy" (did you mean "body"?)' },
  { name: 'manual trigger with an endpoint', file: W, from: 'type: "manual"\n    # input: project_path', to: 'type: "manual"\n      endpoint: "/api/tests"\n    # input: project_path', at: '"/api/tests"', message: 'workflow test: a manual trigger has no endpoint; set type: api' },
  { name: 'panel naming neither a panel nor a table', file: U, from: 'id: "errors"', to: 'id: "erors"', at: '"erors"', message: 'no panel or table is called "erors"' },
  { name: 'table column no source provides', file: U, from: 'field: "created_at"', to: 'field: "created"', at: '"created"', message: 'column "created" of table tasks is not provided by the tasks table (did you mean "created_at"?)' },
  { name: 'task id in a database step\'s data', file: W, from: 'priority: 9  # High priority', to: 'priority: 9  # High priority\n          id: 7', at: 'id: 7', message: "workflow bug_fix: tasks.id is set by the database; a database step's data may not set it" },
  { name: 'created_at in a database step\'s data', file: W, from: 'priority: 9  # High priority', to: 'priority: 9  # High priority\n          created_at: "2026-01-01 00:00:00"', at: 'created_at: "2026', message: "workflow bug_fix: tasks.created_at is set by the database; a database step's data may not set it" },
  { name: 'updated_at in a database step\'s data', file: W, from: 'priority: 9  # High priority', to: 'priority: 9  # High priority\n          updated_at: "2026-01-01 00:00:00"', at: 'updated_at: "2026', message: "workflow bug_fix: tasks.updated_at is set by the database; a database step's data may not set it" },
  { name: 'created_at in a database step\'s where', file: W, from: 'action: "insert"\n        table: "tasks"\n        # POST /api/bugs', to: 'action: "update"\n        table: "tasks"\n        where:\n          created_at: "2026-01-01 00:00:00"\n        # POST /api/bugs', at: 'created_at: "2026', message: "workflow bug_fix: tasks.created_at cannot be used in a database step's where (it may name: type, " },
  { name: 'hold_reason in a database step\'s data', file: W, from: 'priority: 9  # High priority', to: 'priority: 9  # High priority\n          hold_reason: "wait"', at: 'hold_reason', message: 'workflow bug_fix: tasks.hold_reason is written only by the task core (hold and release), not by a workflow step' },
  { name: 'escalation condition does not type-check', file: S, from: '"percent_used >= warning_percent"', to: '"percent_used >= task_type"', at: '"percent_used >= task_type"', message: 'no such overload' },
  { name: 'escalation condition unknown variable', file: S, from: '"percent_used >= warning_percent"', to: '"percent_usd >= warning_percent"', at: '"percent_usd', message: 'Unknown variable: percent_usd (did you mean "percent_used"?)' },
  { name: 'escalation condition not a bool', file: S, from: '"percent_used >= warning_percent"', to: '"percent_used + 1.0"', at: '"percent_used + 1.0"', message: 'yields double, a condition must yield bool' },
];

describe('every kind of problem, at its exact position', () => {
  it.each(cases)('$name', (c) => {
    cfg.edit(c.file, c.from, c.to);
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const where = { file: cfg.path(c.file), ...positionOf(cfg.read(c.file), c.at, c.nth) };
    const matching = result.problems.filter((p) => p.message.includes(c.message));
    expect(matching, JSON.stringify(result.problems, null, 1)).toHaveLength(1);
    expect(matching[0]).toMatchObject(where);
  });

  it('reports several problems at once, across files, in file order', () => {
    cfg.edit(R, 'priority: 9', 'priority: high');
    cfg.edit(S, 'warning_percent: 70', 'warning_percent: 170');
    cfg.edit(R, 'urgent: true', 'urgnt: true');
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.message)).toEqual([
      'unknown key "urgnt" in environment_routing.bug_fix (did you mean "urgent"?)',
      'environment_routing.bug_fix.priority: expected number, received string',
      'sla_targets.deploy.warning_percent: a percentage is 0–100',
    ]);
  });

  it('a missing required file is an error, not an empty config', () => {
    cfg.remove();
    cfg = tempConfig();
    (cfg as { write: (r: string, t: string) => void }).write('base/ui_config.yaml', '');
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({ file: cfg.path('base/ui_config.yaml'), line: 1, col: 1 });
  });

  it('an unknown file in base/ is reported with the file it resembles', () => {
    cfg.write('base/routng_rules.yaml', 'version: "1"\n');
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toContain('unknown config file routng_rules.yaml (did you mean "routing_rules"?)');
  });

  it('${trigger.body…} in an event workflow is refused at its position', () => {
    cfg.edit(W, 'type: "manual"\n    # input: project_path', 'type: "event"\n      event: "task_failed"\n    # input: project_path');
    cfg.edit(W, 'project_path: "${input.project_path}"\n          port_range', 'project_path: "${trigger.body.path}"\n          port_range');
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.objectContaining({
        file: cfg.path(W),
        ...positionOf(cfg.read(W), '"${trigger.body.path}"'),
        message: "workflow test: ${trigger.body.path}: trigger.body is set only by type: api triggers, and this workflow's trigger is type: event (it sets type, event, task, session, level, message, reason, version)",
      }),
    ]);
  });

  it('each kind of trigger accepts its own fields', () => {
    cfg.edit(W, 'environment: "${input.environment}"', 'environment: "${trigger.body.environment} ${trigger.query.x} ${trigger.method} ${trigger.endpoint} ${trigger.type}"');
    cfg.edit(W, 'type: "manual"\n    # input: project_path', 'type: "event"\n      event: "task_failed"\n    # input: project_path');
    cfg.edit(W, 'project_path: "${input.project_path}"\n          port_range', 'project_path: "${trigger.task.id} ${trigger.session.name} ${trigger.event} ${trigger.level} ${trigger.message} ${trigger.reason} ${trigger.version}"\n          port_range');
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('the shipped config loads clean', () => {
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});

describe('a database step on tasks: config check accepts exactly what the step accepts when it runs', () => {
  // The shipped bug_fix step already sets these: the check accepts them (the shipped config loads clean).
  const shipped = ['type', 'status', 'priority', 'metadata'];
  it.each([...(DATABASE_TABLES.tasks ?? []), 'no_such_column'])('data: %s', (key) => {
    if (!shipped.includes(key)) cfg.edit(W, 'priority: 9  # High priority', `priority: 9  # High priority\n          ${key}: "x"`);
    const result = loadConfig({ dir: cfg.dir, env: null });
    // Nothing but what this key causes: an accepted key leaves the config loading clean.
    if (!result.ok) expect(result.problems.every((p) => p.message.includes(key)), JSON.stringify(result.problems)).toBe(true);
    const refused = result.ok ? [] : result.problems.filter((p) => p.message.startsWith('workflow bug_fix:') && p.message.includes(key));
    let runtime: string | null = null;
    try {
      checkInsert('tasks', { type: 'bug_fix', [key]: 'x' });
    } catch (err) {
      runtime = (err as Error).message;
    }
    expect(refused.length > 0, `${key}: check ${JSON.stringify(refused)}, run time ${runtime}`).toBe(runtime !== null);
    if (runtime !== null) expect(refused[0]).toMatchObject({ file: cfg.path(W), ...positionOf(cfg.read(W), `${key}: "x"`) });
  });
});

describe('supported_providers against agents.yaml', () => {
  it.each([
    ['comet', 'provider "comet" has no agent in agents.yaml, so no session could ever run it'],
    ['grok', 'provider "grok": agents.yaml has no rule that reads grok idle'],
  ])('refuses %s at its position', (provider, message) => {
    fs.copyFileSync(path.resolve('config/base/agents.yaml'), cfg.path('base/agents.yaml'));
    cfg.edit(R, '  - gemini\n', `  - gemini\n  - ${provider}\n`);
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const matching = result.problems.filter((p) => p.message.includes(message));
    expect(matching, JSON.stringify(result.problems, null, 1)).toHaveLength(1);
    expect(matching[0]).toMatchObject({ file: cfg.path(R), ...positionOf(cfg.read(R), `${provider}\n`) });
  });

  it('accepts a provider name (anthropic) for the agents that name it', () => {
    fs.copyFileSync(path.resolve('config/base/agents.yaml'), cfg.path('base/agents.yaml'));
    cfg.edit(R, '  - gemini\n', '  - gemini\n  - anthropic\n');
    const result = loadConfig({ dir: cfg.dir, env: null });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
