// The CLI runs on the console's config: the same layers (base → environment → local)
// and, for `config check`, the same checks loading runs — so a config the check passes
// is one the console loads, and what the console refuses the check reports, at its
// file:line:col.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../../../src/shared/api.js';
import type { CliCommand, GlobalOptions } from '../../../src/main/cli/command.js';
import { configCommand } from '../../../src/main/cli/commands/config.js';
import { queryCommand } from '../../../src/main/cli/commands/query.js';
import { startCore } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { capturedIo } from '../../support/captured-io.js';
import { pollUntil } from '../../support/poll.js';
import { PrivateTmux } from '../../support/tmux.js';
import { positionOf, tempConfig, type TempConfig } from '../../unit/config/temp-config.js';

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/base');

let cfg: TempConfig;
let dataDir: string;
beforeEach(() => {
  cfg = tempConfig();
  fs.copyFileSync(path.join(SHIPPED, 'routing_tests.yaml'), cfg.path('base/routing_tests.yaml'));
  dataDir = path.join(path.dirname(cfg.dir), 'data');
  fs.mkdirSync(dataDir);
});
afterEach(() => cfg.remove());

async function run(command: CliCommand, args: string[], globals: Partial<GlobalOptions> = {}) {
  const io = capturedIo();
  const g: GlobalOptions = { configDir: cfg.dir, dbPath: path.join(dataDir, 'architect.db'), dataDir, env: null, tmuxSockets: [], watchDefaultTmux: false, logLevel: 'error', json: false, ...globals };
  const code = await command.run(args, { globals: g, stdout: io.stdout, stderr: io.stderr, interrupted: new Promise(() => {}) });
  return { code, out: io.out(), err: io.err() };
}

describe('architect query on the layered config', () => {
  it('runs a query defined only in local/overrides.yaml', async () => {
    cfg.write('local/overrides.yaml', 'queries:\n  queries:\n    local_only:\n      sql: "SELECT 41 + 1 AS answer"\n');
    const { code, out } = await run(queryCommand, ['local_only', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ query: 'local_only', results: [{ answer: 42 }], count: 1 });
    expect((await run(queryCommand, ['--list'])).out).toContain('local_only');
  });

  it('runs a query of an environment file only with that environment', async () => {
    cfg.write('environments/qa.yaml', 'queries:\n  queries:\n    qa_only:\n      sql: "SELECT \'qa\' AS env"\n');
    expect(JSON.parse((await run(queryCommand, ['qa_only', '--json'], { env: 'qa' })).out)).toMatchObject({ results: [{ env: 'qa' }] });
    await expect(run(queryCommand, ['qa_only'])).rejects.toThrow(/qa_only/);
  });

  it('refuses to run on a config with problems, naming where they are', async () => {
    cfg.write('local/overrides.yaml', 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 11\n');
    await expect(run(queryCommand, ['--list'])).rejects.toThrow(/local\/overrides\.yaml:4:17: .*priority/);
  });
});

/** Three things loading refuses that the schemas alone accept. */
function breakConfig(): { wipe: { line: number; col: number }; undeclared: { line: number; col: number }; routingCase: { line: number; col: number } } {
  const overrides = [
    'queries:',
    '  queries:',
    '    wipe:',
    '      sql: "DELETE FROM tasks"',
    '    by_status:',
    '      sql: "SELECT id FROM tasks WHERE status = :status"',
    'routing_rules:',
    '  environment_routing:',
    '    bug_fix:',
    '      preferred_sessions: ["codex"]',
    '',
  ].join('\n');
  cfg.write('local/overrides.yaml', overrides);
  return {
    wipe: positionOf(overrides, '"DELETE'),
    // A missing param is reported at the query's params (where it must be declared), which it lacks: the query itself.
    undeclared: positionOf(overrides, 'by_status:'),
    routingCase: positionOf(cfg.read('base/routing_tests.yaml'), 'name: bug fix goes to its first preferred session'),
  };
}

describe('architect config check runs what loading runs', () => {
  it('reports a writing query, an undeclared param and a failing routing test, each at its file:line:col', async () => {
    const at = breakConfig();
    const { code, out } = await run(configCommand, ['check']);
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    const overrides = path.relative(process.cwd(), cfg.path('local/overrides.yaml'));
    const tests = path.relative(process.cwd(), cfg.path('base/routing_tests.yaml'));
    expect(lines).toContainEqual(`${overrides}:${at.wipe.line}:${at.wipe.col}: query "wipe": writes to the database: a named query may only read`);
    expect(lines.some((l) => l.startsWith(`${overrides}:${at.undeclared.line}:`) && l.includes('query "by_status"') && l.includes('status'))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${tests}:${at.routingCase.line}:`) && l.includes('"bug fix goes to its first preferred session"'))).toBe(true);
  });

  it('checks against --db when it exists, and creates no database when it does not', async () => {
    breakConfig();
    const dbPath = path.join(dataDir, 'none', 'architect.db');
    expect((await run(configCommand, ['check'], { dbPath })).code).toBe(1);
    expect(fs.existsSync(path.dirname(dbPath))).toBe(false);
  });

  it('gives the problems a running console gives for the same config and database, no more and no fewer', async () => {
    const tmux = new PrivateTmux();
    const dbPath = path.join(dataDir, 'architect.db');
    const core = await startCore({
      configDir: cfg.dir, dbPath, dataDir, env: null, tmuxSockets: [tmux.socket], watchDefaultTmux: false,
      log: silentLogger, runtime: 'node', transport: 'direct',
    });
    try {
      const status = () => core.handlers['config.status']({}) as { ok: boolean; errors: ConfigProblem[] };
      expect(status().ok).toBe(true);
      breakConfig();
      const refused = await pollUntil('the console to refuse the edited config', () => (status().errors.length > 0 ? status().errors : null), { limitMs: 30_000, intervalMs: 100 });
      const { code, out } = await run(configCommand, ['check', '--json'], { dbPath });
      expect(code).toBe(1);
      const checked = (JSON.parse(out) as { problems: ConfigProblem[] }).problems;
      expect(checked).toEqual(refused);
      expect(checked.length).toBeGreaterThanOrEqual(3);
    } finally {
      await core.stop();
      tmux.kill();
    }
  }, 60_000);
});
