// Routing tests as data (config/base/routing_tests.yaml): a task and the sessions
// present → the decision the rules must make. They run on every reload; a failing
// case blocks the reload like a validation error, so a rule edit that would send
// bug fixes to the wrong agent never goes live.
import type { ConfigProblem } from '../../shared/api.js';
import type { RoutingFile } from '../config/schemas/routing.js';
import type { RoutingTestCase } from '../config/schemas/routing_tests.js';
import type { ConfigValidator } from '../config/snapshot.js';
import { route } from './route.js';

export interface RoutingTestFailure {
  /** Position in `cases`; the config engine maps it to a file line. */
  index: number;
  name: string;
  expected: string;
  actual: string;
  /** The router's own reason for what it did. */
  reason: string;
}

/** A fixed clock: cases describe who is present, not when. */
const CASE_CLOCK = new Date('2025-01-01T00:00:00.000Z');
const CASE_TASK_ID = 1;

export function runRoutingTests(cases: readonly RoutingTestCase[], rules: RoutingFile): RoutingTestFailure[] {
  const failures: RoutingTestFailure[] = [];
  cases.forEach((c, index) => {
    const { decisions } = route({
      tasks: [{ id: CASE_TASK_ID, type: c.task.type, priority: c.task.priority ?? null, createdAt: CASE_CLOCK.toISOString() }],
      sessions: c.sessions.map((s) => ({ name: s.name, agent: s.provider, state: s.state })),
      rules,
      now: CASE_CLOCK,
    });
    const d = decisions[0];
    if (!d) throw new Error(`routing test "${c.name}": the router returned no decision`);
    const actual = d.kind === 'assigned' ? `session ${d.session}` : 'queued';
    const expected = 'session' in c.expect ? `session ${c.expect.session}` : 'queued';
    if (actual !== expected) failures.push({ index, name: c.name, expected, actual, reason: d.reason });
  });
  return failures;
}

/** One line per failure, for `architect config check` and the reload error list. */
export function describeRoutingTestFailure(f: RoutingTestFailure): string {
  return `routing test #${f.index + 1} "${f.name}": expected ${f.expected}, got ${f.actual} — ${f.reason}`;
}

/**
 * The config engine's hook (`ConfigService.addValidator`): every failing case
 * becomes a problem at the case's position in routing_tests.yaml, blocking the reload.
 */
export const routingTestsValidator: ConfigValidator = (snapshot, locate): ConfigProblem[] =>
  runRoutingTests(snapshot.routingTests, snapshot.routing).map((f) => {
    const at = locate('routing_tests', ['cases', f.index]);
    return { file: at.file, line: at.line, col: at.col, message: describeRoutingTestFailure(f) };
  });
