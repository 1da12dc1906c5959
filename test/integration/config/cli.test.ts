import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configCommand } from '../../../src/main/cli/commands/config.js';
import { UsageError, type GlobalOptions } from '../../../src/main/cli/command.js';
import { tempConfig, type TempConfig } from '../../unit/config/temp-config.js';

let cfg: TempConfig;
beforeEach(() => {
  cfg = tempConfig();
});
afterEach(() => cfg.remove());

async function run(args: string[], globals: Partial<GlobalOptions> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const g: GlobalOptions = { configDir: cfg.dir, dbPath: '', dataDir: '', env: null, tmuxSockets: [], watchDefaultTmux: false, logLevel: 'error', json: false, ...globals };
  const code = await configCommand.run(args, { globals: g, stdout, stderr, interrupted: new Promise(() => {}) });
  return { code, out };
}

describe('architect config', () => {
  it('check: 0 and a one-line summary when the config is valid', async () => {
    const { code, out } = await run(['check']);
    expect(code).toBe(0);
    expect(out).toMatch(/^config OK: version [0-9a-f]{12}, 5 files/);
  });

  it('check: 1 and path:line:col: message per problem', async () => {
    cfg.edit('base/routing_rules.yaml', 'priority: 9', 'priority: 11');
    const { code, out } = await run(['check']);
    expect(code).toBe(1);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(out).toMatch(/base\/routing_rules\.yaml:\d+:\d+: environment_routing\.bug_fix\.priority: Too big/);
  });

  it('check --env layers the environment; --json gives the problems as data', async () => {
    cfg.write('environments/qa.yaml', 'sla_rules:\n  sla_targets:\n    git:\n      warning_percent: 101\n');
    expect((await run(['check'])).code).toBe(0);
    const { code, out } = await run(['check', '--env', 'qa', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, problems: [{ file: cfg.path('environments/qa.yaml'), line: 4, col: 24 }] });
  });

  it('show prints the merged snapshot as YAML or JSON', async () => {
    const yaml = parse((await run(['show'])).out) as { routing: { excluded_sessions: string[] } };
    expect(yaml.routing.excluded_sessions).toEqual(['architect', 'arch_dev']);
    const json = JSON.parse((await run(['show', '--json'])).out) as { sla: { sla_targets: Record<string, unknown> } };
    expect(Object.keys(json.sla.sla_targets)).toContain('claude_task');
  });

  it.each([[[]], [['bogus']], [['check', '--nope']], [['show', 'extra']]])('usage error for %j', async (args) => {
    await expect(run(args)).rejects.toBeInstanceOf(UsageError);
  });
});
