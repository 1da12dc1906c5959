import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, type CliContext } from '../../../src/main/cli/command.js';
import { parseInputs, workflowCommand } from '../../../src/main/cli/commands/workflow.js';
import { parseGlobals } from '../../../src/main/cli/globals.js';
import { loadConfig } from '../../../src/main/config/load.js';
import { harness, type Harness } from './harness.js';

// `architect workflow …` against the shipped config and a temp database; the run it
// records is driven by an engine, as the console's would.

const configDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function cli(dbPath: string) {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) => new Writable({ write: (chunk: Buffer, _e, cb) => (add(chunk.toString()), cb()) });
  const ctx: CliContext = {
    globals: parseGlobals(['--config', configDir, '--db', dbPath, '--log-level', 'error'], { ARCHITECT_DATA_DIR: path.dirname(dbPath) }).globals,
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    interrupted: new Promise(() => undefined),
  };
  return {
    run: (...args: string[]) => workflowCommand.run(args, ctx),
    take: () => {
      const r = { out, err };
      out = '';
      err = '';
      return r;
    },
  };
}

describe('parseInputs', () => {
  it('keeps numbers, booleans and null typed', () => {
    expect(parseInputs(['n=9', 'x=1.5', 'urgent=true', 'none=null', 'title=a=b', 'ref=v1.2'])).toEqual({ n: 9, x: 1.5, urgent: true, none: null, title: 'a=b', ref: 'v1.2' });
  });
  it.each([['novalue'], ['=x'], ['bad-key=1']])('rejects %s', (pair) => {
    expect(() => parseInputs([pair])).toThrow(UsageError);
  });
});

describe('architect workflow', () => {
  it('lists the shipped workflows', async () => {
    h = harness({ w: { steps: [{ id: 'a', type: 'wait', seconds: 1 }] } });
    const c = cli(path.join(h.dir, 'architect.db'));
    expect(await c.run('list', '--json')).toBe(0);
    expect((JSON.parse(c.take().out) as { name: string }[]).map((w) => w.name)).toEqual(['feature_development', 'bug_fix', 'deploy', 'test', 'maintenance']);
  });

  it('records a run that an engine then claims and completes; show and runs report it', async () => {
    h = harness({});
    const loaded = loadConfig({ dir: configDir, env: null });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    h.setConfig(loaded.snapshot);
    const c = cli(h.store.path);
    expect(await c.run('run', 'bug_fix', '--input', 'title=Login broken', '--json')).toBe(0);
    const { runId } = JSON.parse(c.take().out) as { runId: number };

    const engine = h.engine();
    const stop = engine.start();
    const run = await engine.finished(runId);
    await stop();
    expect(run).toMatchObject({ status: 'completed', trigger: 'cli', input: { title: 'Login broken' }, configVersion: loaded.snapshot.version });
    expect(h.store.tasks.get(run.taskId as number)).toMatchObject({ title: 'Login broken', type: 'bug_fix', priority: 9, assignedTo: 'dev_worker1' });

    expect(await c.run('show', String(runId))).toBe(0);
    const shown = c.take().out;
    expect(shown).toContain(`run ${runId} bug_fix completed`);
    expect(shown).toMatch(/notify_stakeholders\s+1\s+completed/);
    expect(await c.run('runs', '--json')).toBe(0);
    expect((JSON.parse(c.take().out) as { id: number; status: string }[])[0]).toMatchObject({ id: runId, status: 'completed' });
    expect(await c.run('cancel', String(runId))).toBe(1);
    expect(c.take().err).toBe(`run ${runId} already ended completed\n`);
  });

  it('turns bad arguments into usage errors', async () => {
    h = harness({});
    const c = cli(path.join(h.dir, 'architect.db'));
    await expect(c.run('run')).rejects.toThrow('workflow run needs one NAME');
    await expect(c.run('run', 'nope')).rejects.toThrow(/no workflow named "nope"/);
    await expect(c.run('show', 'abc')).rejects.toThrow('RUN_ID is a number, got "abc"');
    await expect(c.run('list', '--wait')).rejects.toThrow('--input and --wait go with workflow run');
    await expect(c.run('frobnicate')).rejects.toThrow('unknown subcommand "frobnicate"');
    await expect(c.run('runs', '--bogus')).rejects.toThrow(UsageError);
  });
});
