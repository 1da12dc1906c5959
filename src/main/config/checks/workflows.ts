import type { ConfigProblem } from '../../../shared/api.js';
import { suggestion } from '../did-you-mean.js';
import { isPlainObject } from '../merge.js';
import { problemAt, type Locate } from '../problems.js';
import type { ConfigSections, SectionCheck } from '../sections.js';
import type { Workflow, WorkflowStep } from '../schemas/workflows.js';
import { CORE_ONLY_COLUMNS, DATABASE_SET_COLUMNS, DATABASE_TABLES, WORKFLOW_WHERE_EXTRA, WRITABLE_TABLES, workflowDataColumns } from './database.js';
import { findReferences, parseReference, stringsIn, type Reference } from './references.js';
import { DEFAULT_API_METHOD, RESERVED_PATHS, WORKFLOW_EVENTS } from '../../workflows/triggers.js';

const FILE = 'workflows';

/** The functions a `function` step may call (the workflow engine registers their handlers). */
export const WORKFLOW_FUNCTIONS = ['route_task_to_session', 'send_prompt', 'create_test_environment', 'cleanup_environment', 'create_pull_request', 'wait_for_task', 'reassign_task'] as const;

/** Scopes a reference may start with. */
const SCOPES = ['steps', 'config', 'input', 'query', 'trigger'];

/**
 * `${config.routing_rules.bug_fix}` is the seed's shorthand for the route of a task
 * type: a key not at the top of these files is looked up in their per-type map.
 */
const PER_TYPE_SECTION: Partial<Record<string, string>> = { routing_rules: 'environment_routing', sla_rules: 'sla_targets' };

/**
 * What `${trigger.…}` holds for each kind of trigger (workflows/triggers.ts fills it):
 * a field another kind sets can never resolve here, so config check refuses it.
 */
export const TRIGGER_FIELDS: Readonly<Record<Workflow['trigger']['type'], readonly string[]>> = {
  api: ['type', 'endpoint', 'method', 'body', 'query'],
  event: ['type', 'event', 'task', 'session', 'level', 'message', 'reason', 'version'],
  manual: ['type'],
};

export const checkWorkflows: SectionCheck = (config, locate) => {
  const out: ConfigProblem[] = [];
  for (const [name, wf] of Object.entries(config.workflows.workflows)) out.push(...checkWorkflow(config, name, wf, locate));
  out.push(...checkTriggers(config, locate));
  return out;
};

/**
 * A trigger says what starts the workflow, and every field it takes does something:
 * an api trigger is served at its endpoint (one workflow per method and path, never a
 * path the console serves itself); an event trigger names one of WORKFLOW_EVENTS; a
 * manual one takes neither.
 */
function checkTriggers(config: ConfigSections, locate: Locate): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const served = new Map<string, string>();
  for (const [name, wf] of Object.entries(config.workflows.workflows)) {
    const t = wf.trigger;
    const at = (key: string) => locate(FILE, ['workflows', name, 'trigger', key]);
    const whole = locate(FILE, ['workflows', name, 'trigger']);
    if (t.type === 'api') {
      if (t.event !== undefined) out.push(problemAt(at('event'), `workflow ${name}: an api trigger has no event (event is for type: event)`));
      if (t.endpoint === undefined) {
        out.push(problemAt(whole, `workflow ${name}: an api trigger needs an endpoint, e.g. "/api/${name.replace(/_/g, '-')}"`));
        continue;
      }
      if (RESERVED_PATHS.some((r) => r.test(t.endpoint as string))) out.push(problemAt(at('endpoint'), `workflow ${name}: ${t.endpoint} is served by the console itself; pick another path`));
      const key = `${t.method ?? DEFAULT_API_METHOD} ${t.endpoint}`;
      const other = served.get(key);
      if (other !== undefined) out.push(problemAt(at('endpoint'), `workflow ${name}: ${key} already starts workflow ${other}`));
      else served.set(key, name);
    } else if (t.type === 'event') {
      for (const key of ['endpoint', 'method'] as const) if (t[key] !== undefined) out.push(problemAt(at(key), `workflow ${name}: an event trigger has no ${key} (that is for type: api)`));
      if (t.event === undefined) out.push(problemAt(whole, `workflow ${name}: an event trigger needs an event: one of ${WORKFLOW_EVENTS.join(', ')}`));
      else if (!(WORKFLOW_EVENTS as readonly string[]).includes(t.event)) out.push(problemAt(at('event'), `workflow ${name}: unknown event "${t.event}"${suggestion(t.event, WORKFLOW_EVENTS)} (events: ${WORKFLOW_EVENTS.join(', ')})`));
    } else {
      for (const key of ['endpoint', 'method', 'event'] as const) if (t[key] !== undefined) out.push(problemAt(at(key), `workflow ${name}: a manual trigger has no ${key}; set type: ${key === 'event' ? 'event' : 'api'}`));
    }
  }
  return out;
}

function checkWorkflow(config: ConfigSections, name: string, wf: Workflow, locate: Locate): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const ids = wf.steps.map((s) => s.id ?? '');
  const base = ['workflows', name];
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) out.push(problemAt(locate(FILE, [...base, 'steps', i, 'id']), `workflow ${name}: step id "${id}" is already used by steps[${ids.indexOf(id)}]`));
  });
  const refCtx = { config, ids, name, locate, out, trigger: wf.trigger.type };
  wf.steps.forEach((step, i) => checkStep(refCtx, step, i, [...base, 'steps', i]));
  const excluded = new Set(config.routing_rules.excluded_sessions);
  wf.error_handling.forEach((handler, i) => {
    if (handler.action === 'reassign_task') {
      if (handler.to_session !== undefined && excluded.has(handler.to_session)) {
        out.push(problemAt(locate(FILE, [...base, 'error_handling', i, 'to_session']), `workflow ${name}: to_session "${handler.to_session}" is in excluded_sessions, so the task could never go there`));
      }
      return;
    }
    if (handler.action !== 'rollback') return;
    handler.steps.forEach((id, j) => {
      if (!ids.includes(id)) out.push(problemAt(locate(FILE, [...base, 'error_handling', i, 'steps', j]), `workflow ${name}: rollback names unknown step "${id}"${suggestion(id, ids)}`));
    });
  });
  return out;
}

interface RefContext {
  config: ConfigSections;
  ids: string[];
  name: string;
  locate: Locate;
  out: ConfigProblem[];
  trigger: Workflow['trigger']['type'];
}

function checkStep(ctx: RefContext, step: WorkflowStep, index: number, path: (string | number)[]): void {
  const { config, locate, out, name } = ctx;
  const at = (key: string) => locate(FILE, [...path, key]);
  switch (step.type) {
    case 'function':
      if (!(WORKFLOW_FUNCTIONS as readonly string[]).includes(step.function)) out.push(problemAt(at('function'), `workflow ${name}: unknown function "${step.function}"${suggestion(step.function, WORKFLOW_FUNCTIONS)}`));
      break;
    case 'query':
      if (!config.queries.queries[step.query]) out.push(problemAt(at('query'), `workflow ${name}: unknown query "${step.query}"${suggestion(step.query, Object.keys(config.queries.queries))}`));
      break;
    case 'database': {
      if (!(WRITABLE_TABLES as readonly string[]).includes(step.table)) {
        out.push(problemAt(at('table'), `workflow ${name}: a database step may write ${WRITABLE_TABLES.join(', ')}, not "${step.table}"${suggestion(step.table, WRITABLE_TABLES)}`));
        break;
      }
      // Exactly what the step accepts when it runs (store/workflow-writes.ts): data sets
      // writable columns only; a where may also name the key.
      const data = workflowDataColumns(step.table);
      const allowed = { data, where: [...data, ...WORKFLOW_WHERE_EXTRA] };
      for (const field of ['data', 'where'] as const) {
        for (const key of Object.keys(step[field] ?? {})) {
          if (allowed[field].includes(key)) continue;
          const where = locate(FILE, [...path, field, key], { key: true });
          const known = (DATABASE_TABLES[step.table] ?? []).includes(key);
          const why = !known
            ? `table ${step.table} has no column "${key}"${suggestion(key, allowed[field])}`
            : (CORE_ONLY_COLUMNS[step.table] ?? []).includes(key)
              ? `${step.table}.${key} is written only by the task core (hold and release), not by a workflow step`
              : (DATABASE_SET_COLUMNS[step.table] ?? []).includes(key) && field === 'data'
                ? `${step.table}.${key} is set by the database; a database step's data may not set it`
                : `${step.table}.${key} cannot be used in a database step's ${field} (it may name: ${allowed[field].join(', ')})`;
          out.push(problemAt(where, `workflow ${name}: ${why}`));
        }
      }
      break;
    }
    case 'conditional':
      checkStep(ctx, step.if_true, index, [...path, 'if_true']);
      if (step.if_false) checkStep(ctx, step.if_false, index, [...path, 'if_false']);
      break;
    case 'loop':
      step.actions.forEach((a, j) => checkStep(ctx, a, index, [...path, 'actions', j]));
      break;
  }
  // Nested steps were scanned by their own call; scan this step's own strings only.
  const own = Object.fromEntries(Object.entries(step).filter(([k]) => k !== 'if_true' && k !== 'if_false' && k !== 'actions'));
  const selfAllowed = step.type === 'loop';
  for (const [text, sub] of stringsIn(own)) {
    for (const ref of findReferences(text)) {
      const problem = checkReference(ctx, ref, index, selfAllowed);
      if (problem) out.push(problemAt(locate(FILE, [...path, ...sub]), `workflow ${name}: \${${ref.text}}: ${problem}`));
    }
  }
}

/** Why a reference does not resolve, or null when it does. */
function checkReference(ctx: RefContext, ref: Reference, index: number, selfAllowed: boolean): string | null {
  for (const seg of ref.segments) {
    if (!('wildcard' in seg)) continue;
    const inner = parseReference(seg.wildcard);
    const problem = inner ? checkReference(ctx, inner, index, selfAllowed) : null;
    if (problem) return problem;
  }
  if (!SCOPES.includes(ref.scope)) return `unknown scope "${ref.scope}"; references start with ${SCOPES.join(', ')}${suggestion(ref.scope, SCOPES)}`;
  const first = ref.segments[0];
  if (ref.scope === 'steps') {
    if (!first || !('key' in first)) return 'name the step: steps.ID.field';
    const at = ctx.ids.indexOf(first.key);
    if (at === -1) return `unknown step "${first.key}"${suggestion(first.key, ctx.ids)}`;
    if (at > index || (at === index && !selfAllowed)) return `step "${first.key}" runs later; a step can only use results of earlier steps`;
    return null;
  }
  if (ref.scope === 'config') return checkConfigPath(ctx.config, ref);
  if (ref.scope === 'trigger') return checkTriggerField(ctx.trigger, ref);
  return null;
}

/** `${trigger.X…}`: X must be a field this workflow's kind of trigger sets. */
function checkTriggerField(kind: Workflow['trigger']['type'], ref: Reference): string | null {
  const first = ref.segments[0];
  if (!first || !('key' in first)) return null;
  const fields = TRIGGER_FIELDS[kind];
  if (fields.includes(first.key)) return null;
  const owners = (Object.keys(TRIGGER_FIELDS) as Workflow['trigger']['type'][]).filter((k) => TRIGGER_FIELDS[k].includes(first.key));
  const why = owners.length ? `trigger.${first.key} is set only by ${owners.map((k) => `type: ${k}`).join(' or ')} triggers` : `a trigger has no "${first.key}"${suggestion(first.key, fields)}`;
  return `${why}, and this workflow's trigger is type: ${kind} (it sets ${fields.join(', ')})`;
}

function checkConfigPath(config: ConfigSections, ref: Reference): string | null {
  const [file, ...rest] = ref.segments;
  const files = Object.keys(config);
  if (!file || !('key' in file)) return `name the file: config.FILE.path (${files.join(', ')})`;
  const root: unknown = (config as unknown as Record<string, unknown>)[file.key];
  if (root === undefined) return `unknown config file "${file.key}"${suggestion(file.key, files)}`;
  const perType = PER_TYPE_SECTION[file.key];
  const head = rest[0];
  const shorthand = head && ('wildcard' in head || (isPlainObject(root) && !(head.key in root)));
  const start = perType && shorthand && isPlainObject(root) ? root[perType] : root;
  return resolves(start, rest, `config.${file.key}`);
}

function resolves(value: unknown, segments: Reference['segments'], where: string): string | null {
  const [seg, ...rest] = segments;
  if (!seg) return null;
  if (!isPlainObject(value) && !Array.isArray(value)) return `${where} has no "${'key' in seg ? seg.key : seg.wildcard}"`;
  const entries: [string, unknown][] = Object.entries(value);
  if ('wildcard' in seg) {
    // A computed key may be any entry, so the rest must hold for every one of them.
    for (const [k, v] of entries) {
      const problem = resolves(v, rest, `${where}.${k}`);
      if (problem) return problem;
    }
    return null;
  }
  const next = (value as Record<string, unknown>)[seg.key];
  if (next === undefined) return `${where} has no "${seg.key}"${suggestion(seg.key, entries.map(([k]) => k))}`;
  return resolves(next, rest, `${where}.${seg.key}`);
}
