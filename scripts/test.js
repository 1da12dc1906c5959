// `npm test`: the whole suite — unit, integration (real tmux, SQLite, files),
// browser tests (a real Chromium), doc checks — then a check that nothing the run
// started is still running, then one summary line `N passed, N failed` that CI
// reads. Tests that drive the real agent CLIs (when ARCHITECT_AGENT_CLIS points at
// them) run afterwards on their own: three real CLIs beside the rest of the suite
// would starve both on two cores.
//
// `npm run screenshots` (--screenshots) runs the browser tests that photograph the
// console and lets them rewrite docs/screenshots; `npm test` never writes there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildState } from './build-state.js';
import { newRunId, reapLeftovers, RUN_VARIABLE } from './leftovers.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SOLO = 'test/integration/real-agents';
const SCREENSHOT_TESTS = ['test/e2e/tour.test.ts', 'test/e2e/live-console.test.ts', 'test/e2e/workflows.test.ts'];

// The browser tests and the CLI tests run the build: a missing or stale one (sources
// changed since, say after a pull or a merge) is rebuilt first, as npm start does.
const built = existsSync(path.join(root, 'out', 'renderer', 'index.html')) && existsSync(path.join(root, 'out', 'cli', 'architect.js'));
if (!built || buildState(root) !== 'fresh') {
  console.log(built ? 'architect: the sources changed since the last build; building first…' : 'architect: building first…');
  const b = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const runId = newRunId();
const env = { ...process.env, [RUN_VARIABLE]: runId };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'architect-test-'));
const totals = { passed: 0, failed: 0, skipped: 0, ok: true };

function vitest(name, args, extraEnv = {}) {
  const report = path.join(tmp, `${name}.json`);
  const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args], { stdio: 'inherit', cwd: root, env: { ...env, ...extraEnv } });
  if (!existsSync(report)) {
    totals.failed += 1;
    totals.ok = false;
    return;
  }
  const j = JSON.parse(readFileSync(report, 'utf8'));
  totals.passed += j.numPassedTests ?? 0;
  totals.failed += j.numFailedTests ?? 0;
  totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  // A file that failed outside any test (a hook, an import) counts as one failure.
  for (const file of j.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed').length;
    if (file.status === 'failed' && failedTests === 0) totals.failed += 1;
  }
  if (r.status !== 0) totals.ok = false;
}

const args = process.argv.slice(2);
if (args[0] === '--screenshots') {
  vitest('screenshots', args.length > 1 ? args.slice(1) : SCREENSHOT_TESTS, { ARCHITECT_SCREENSHOTS: '1' });
} else if (args.length > 0) {
  vitest('selected', args);
} else {
  vitest('suite', ['--exclude', `${SOLO}/**`]);
  vitest('real-agents', [SOLO]);
}
rmSync(tmp, { recursive: true, force: true });

// Passing or failing, the run must leave no tmux server, console or agent behind.
const left = await reapLeftovers(runId);
if (left.length > 0) {
  console.error(`\nThe tests left ${left.length} thing(s) running (now killed):\n  ${left.join('\n  ')}`);
  totals.failed += 1;
}
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.ok && totals.failed === 0 ? 0 : 1);
