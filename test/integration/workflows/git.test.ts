import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CommandMissingError, git, runCommand } from '../../../src/main/workflows/functions/git.js';
import { spawnerForSuite, HELPED_OR_DIRECT, tempDirForFile, processAlive, pidFrom } from '../../support/spawner.js';

// Workflow steps' git and gh (runCommand) give the same answers whether the console's
// spawn helper forks them or this process does.

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

const tempDir = tempDirForFile('architect-wfgit-');

describe.each(HELPED_OR_DIRECT)('runCommand %s', (name, helped) => {
  const spawner = spawnerForSuite(helped);
  const pidFile = (what: string) => path.join(tempDir(), `${what}-${helped ? 'helped' : 'direct'}.pid`);

  it('the command is a child of the helper, or of this process without one', async () => {
    const r = await runCommand('sh', ['-c', 'echo $PPID'], tempDir());
    expect(Number(r.stdout.trim())).toBe(helped ? spawner()!.pid : process.pid);
  });

  it('runs in the directory given, with this process\'s environment as it is now and no credential prompt', async () => {
    process.env.ARCHITECT_WFGIT_TEST = `set now (${name})`;
    try {
      const r = await runCommand('sh', ['-c', 'pwd; echo "$ARCHITECT_WFGIT_TEST"; echo "$GIT_TERMINAL_PROMPT"'], tempDir());
      expect(r).toEqual({ code: 0, stdout: `${fs.realpathSync(tempDir())}\nset now (${name})\n0\n`, stderr: '' });
    } finally {
      delete process.env.ARCHITECT_WFGIT_TEST;
    }
  });

  it('a non-zero exit is answered with its code, stdout and stderr (not thrown)', async () => {
    expect(await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'], tempDir())).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    const err = await rejection(git(['rev-parse', '--abbrev-ref', 'HEAD'], tempDir()));
    expect(err.message).toMatch(new RegExp(`^git rev-parse in ${tempDir()} failed \\(exit 128\\): fatal: not a git repository`));
  });

  it('a command not on PATH is CommandMissingError; a missing directory says so', async () => {
    const missing = await rejection(runCommand('architect-no-such-command', [], tempDir()));
    expect(missing).toBeInstanceOf(CommandMissingError);
    expect(missing.message).toBe('architect-no-such-command is not installed (not found on PATH)');
    // PATH is looked up in the command's environment, this process's at the call.
    const saved = process.env.PATH;
    process.env.PATH = path.join(tempDir(), 'empty-bin');
    try {
      expect(await rejection(runCommand('sh', ['-c', 'true'], tempDir()))).toBeInstanceOf(CommandMissingError);
    } finally {
      process.env.PATH = saved;
    }
    const gone = path.join(tempDir(), 'gone');
    expect((await rejection(runCommand('git', ['status'], gone))).message).toBe(`cannot run git: its working directory ${gone} does not exist`);
  });

  it('aborting kills the command at once: AbortError, and the process is gone', async () => {
    const file = pidFile('abort');
    const controller = new AbortController();
    const started = Date.now();
    const running = runCommand('sh', ['-c', `echo $$ > ${file}; exec sleep 30`], tempDir(), { signal: controller.signal });
    const pid = await pidFrom(file);
    expect(processAlive(pid)).toBe(true);
    controller.abort(new Error('cancelled by operator'));
    const err = await rejection(running);
    expect(err.name).toBe('AbortError');
    expect((err.cause as Error).message).toBe('cancelled by operator');
    expect(Date.now() - started).toBeLessThan(5_000);
    for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(20);
    expect(processAlive(pid)).toBe(false);
  });

  it('a signal aborted before the call starts nothing', async () => {
    const file = pidFile('pre-aborted');
    const controller = new AbortController();
    controller.abort(new Error('already'));
    expect((await rejection(runCommand('sh', ['-c', `echo $$ > ${file}`], tempDir(), { signal: controller.signal }))).name).toBe('AbortError');
    await sleep(300);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a command over its time is killed and says so', async () => {
    const file = pidFile('timeout');
    const started = Date.now();
    const err = await rejection(runCommand('sh', ['-c', `echo $$ > ${file}; exec sleep 30`], tempDir(), { timeoutMs: 300 }));
    expect(err.message).toBe(`sh -c in ${tempDir()} did not finish in 0.3 s and was killed`);
    expect(Date.now() - started).toBeLessThan(5_000);
    const pid = await pidFrom(file);
    for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(20);
    expect(processAlive(pid)).toBe(false);
  });

  it('a command printing more than 1 MB is killed and says so', async () => {
    const err = await rejection(runCommand('head', ['-c', '3000000', '/dev/zero'], tempDir()));
    expect(err.message).toBe(`head -c in ${tempDir()} printed more than 1 MB and was killed`);
  });
});
