// `npm test`: the whole suite — unit, integration (real tmux, SQLite, files),
// browser tests (Debian's Chromium) — then one summary line `N passed, N failed`
// that CI reads. Tests that drive the real agent CLIs (when ARCHITECT_AGENT_CLIS
// points at them) run afterwards on their own: three real CLIs beside the rest of
// the suite would starve both on two cores.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SOLO = 'test/integration/real-agents';

if (!existsSync(path.join(root, 'out', 'renderer', 'index.html')) || !existsSync(path.join(root, 'out', 'cli', 'architect.js'))) {
  const b = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'architect-test-'));
const totals = { passed: 0, failed: 0, skipped: 0, ok: true };

function vitest(name, args) {
  const report = path.join(tmp, `${name}.json`);
  const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args], { stdio: 'inherit', cwd: root });
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

const extra = process.argv.slice(2);
if (extra.length > 0) {
  vitest('selected', extra);
} else {
  vitest('suite', ['--exclude', `${SOLO}/**`]);
  vitest('real-agents', [SOLO]);
}
rmSync(tmp, { recursive: true, force: true });
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.ok && totals.failed === 0 ? 0 : 1);
