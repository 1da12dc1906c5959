import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandMissingError, git, runCommand } from '../../../src/main/workflows/functions/git.js';
import { spawnerForSuite } from '../../support/spawner.js';

// Workflow steps' git and gh (runCommand) give the same answers whether the console's
// spawn helper forks them or this process does.

/** Running (a zombie nobody has reaped yet has ended). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pid a program wrote to a file once it appears. */
async function pidFrom(file: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (text) return Number(text);
    await sleep(25);
  }
  throw new Error(`no pid in ${file}`);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-wfgit-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['through the spawn helper', true],
  ['started directly', false],
])('runCommand %s', (name, helped) => {
  const spawner = spawnerForSuite(helped);
  const pidFile = (what: string) => path.join(dir, `${what}-${helped ? 'helped' : 'direct'}.pid`);

  it('the command is a child of the helper, or of this process without one', async () => {
    const r = await runCommand('sh', ['-c', 'echo $PPID'], dir);
    expect(Number(r.stdout.trim())).toBe(helped ? spawner()!.pid : process.pid);
  });

  it('runs in the directory given, with this process\'s environment as it is now and no credential prompt', async () => {
    process.env.ARCHITECT_WFGIT_TEST = `set now (${name})`;
    try {
      const r = await runCommand('sh', ['-c', 'pwd; echo "$ARCHITECT_WFGIT_TEST"; echo "$GIT_TERMINAL_PROMPT"'], dir);
      expect(r).toEqual({ code: 0, stdout: `${fs.realpathSync(dir)}\nset now (${name})\n0\n`, stderr: '' });
    } finally {
      delete process.env.ARCHITECT_WFGIT_TEST;
    }
  });

  it('a non-zero exit is answered with its code, stdout and stderr (not thrown)', async () => {
    expect(await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'], dir)).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    const err = await rejection(git(['rev-parse', '--abbrev-ref', 'HEAD'], dir));
    expect(err.message).toMatch(new RegExp(`^git rev-parse in ${dir} failed \\(exit 128\\): fatal: not a git repository`));
  });

  it('a command not on PATH is CommandMissingError; a missing directory says so', async () => {
    const missing = await rejection(runCommand('architect-no-such-command', [], dir));
    expect(missing).toBeInstanceOf(CommandMissingError);
    expect(missing.message).toBe('architect-no-such-command is not installed (not found on PATH)');
    // PATH is looked up in the command's environment, this process's at the call.
    const saved = process.env.PATH;
    process.env.PATH = path.join(dir, 'empty-bin');
    try {
      expect(await rejection(runCommand('sh', ['-c', 'true'], dir))).toBeInstanceOf(CommandMissingError);
    } finally {
      process.env.PATH = saved;
    }
    const gone = path.join(dir, 'gone');
    expect((await rejection(runCommand('git', ['status'], gone))).message).toBe(`cannot run git: its working directory ${gone} does not exist`);
  });

  it('aborting kills the command at once: AbortError, and the process is gone', async () => {
    const file = pidFile('abort');
    const controller = new AbortController();
    const started = Date.now();
    const running = runCommand('sh', ['-c', `echo $$ > ${file}; exec sleep 30`], dir, { signal: controller.signal });
    const pid = await pidFrom(file);
    expect(alive(pid)).toBe(true);
    controller.abort(new Error('cancelled by operator'));
    const err = await rejection(running);
    expect(err.name).toBe('AbortError');
    expect((err.cause as Error).message).toBe('cancelled by operator');
    expect(Date.now() - started).toBeLessThan(5_000);
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
    expect(alive(pid)).toBe(false);
  });

  it('a signal aborted before the call starts nothing', async () => {
    const file = pidFile('pre-aborted');
    const controller = new AbortController();
    controller.abort(new Error('already'));
    expect((await rejection(runCommand('sh', ['-c', `echo $$ > ${file}`], dir, { signal: controller.signal }))).name).toBe('AbortError');
    await sleep(300);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a command over its time is killed and says so', async () => {
    const file = pidFile('timeout');
    const started = Date.now();
    const err = await rejection(runCommand('sh', ['-c', `echo $$ > ${file}; exec sleep 30`], dir, { timeoutMs: 300 }));
    expect(err.message).toBe(`sh -c in ${dir} did not finish in 0.3 s and was killed`);
    expect(Date.now() - started).toBeLessThan(5_000);
    const pid = await pidFrom(file);
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
    expect(alive(pid)).toBe(false);
  });

  it('a command printing more than 1 MB is killed and says so', async () => {
    const err = await rejection(runCommand('head', ['-c', '3000000', '/dev/zero'], dir));
    expect(err.message).toBe(`head -c in ${dir} printed more than 1 MB and was killed`);
  });
});
