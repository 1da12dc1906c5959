import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunError, runProgram } from '../../../src/main/tmux/server.js';
import { spawnerForSuite, HELPED_OR_DIRECT, tempDirForFile, processAlive, pidFrom } from '../../support/spawner.js';
import { activeSpawner, installSpawner, SPAWNER_SOURCE, Spawner, type HandedOutput } from '../../../src/main/tmux/spawner.js';

/** A process's parent, from /proc. */
function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function failure(p: Promise<unknown>): Promise<RunError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RunError);
  return err as RunError;
}

const tempDir = tempDirForFile('architect-spawner-');

// The same answers whether the console's helper forks the program or this process does.
describe.each(HELPED_OR_DIRECT)('runProgram %s', (_name, helped) => {
  const spawner = spawnerForSuite(helped);

  it('the program is a child of the helper, or of this process without one', async () => {
    const ppid = Number((await runProgram('sh', ['-c', 'echo $PPID'])).trim());
    expect(ppid).toBe(helped ? spawner()!.pid : process.pid);
  });

  it('passes stdin, the working directory and the arguments as given, and returns stdout', async () => {
    expect(await runProgram('cat', [], { stdin: 'line one\nü, two\n' })).toBe('line one\nü, two\n');
    expect((await runProgram('pwd', [], { cwd: tempDir() })).trim()).toBe(fs.realpathSync(tempDir()));
    expect(await runProgram('printf', ['%s|', 'a b', '$HOME', "'; rm -rf /"])).toBe("a b|$HOME|'; rm -rf /|");
  });

  it('a failing program rejects with its stderr and exit code', async () => {
    const err = await failure(runProgram('sh', ['-c', 'echo "no such pane" >&2; exit 3']));
    expect(err.detail).toBe('no such pane');
    expect(err.code).toBe(3);
    expect((await failure(runProgram('sh', ['-c', 'exit 4']))).detail).toBe('exit 4');
  });

  it('a missing program, or a missing directory, says which', async () => {
    expect((await failure(runProgram('architect-no-such-program', []))).message).toMatch(/^cannot run architect-no-such-program: .*ENOENT/);
    expect((await failure(runProgram('pwd', [], { cwd: path.join(tempDir(), 'gone') }))).message).toMatch(/^cannot run pwd: .*ENOENT/);
  });

  it('a program over its time is killed and says so', async () => {
    const started = Date.now();
    const err = await failure(runProgram('sleep', ['30'], { timeoutMs: 300 }));
    expect(err.detail).toBe('killed by SIGTERM (timed out or too much output)');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('many programs at once each get their own answer', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => runProgram('sh', ['-c', `echo ${i}`])));
    expect(answers.map((a) => Number(a.trim()))).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

/** Everything a stream gives until it ends. */
function collect(stream: HandedOutput): { text: () => string; ended: Promise<void> } {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => (text += d));
  return { text: () => text, ended: new Promise((resolve) => stream.once('end', () => resolve())) };
}

describe('a long-lived program started by the spawn helper (attach: how control clients start)', () => {
  let spawner: Spawner;
  beforeAll(() => {
    spawner = new Spawner();
    spawner.start();
  });
  afterAll(() => spawner.stop());

  it('hands its stdin and stdout over: written and read here, what it prints at once included; the helper is its parent', async () => {
    // 200 lines printed before it reads anything: printed while its pipes are on their way here.
    const program = spawner.attach('sh', ['-c', 'i=0; while [ $i -lt 200 ]; do echo "early $i"; i=$((i+1)); done; echo "parent $PPID"; cat']);
    const out = collect(program.stdout);
    const exited = new Promise<[number | null, string | null]>((resolve) => program.once('exit', (code, signal) => resolve([code, signal])));
    program.stdin.write('typed here\n');
    program.stdin.end();
    expect(await exited).toEqual([0, null]);
    await out.ended;
    const lines = out.text().split('\n');
    expect(lines.slice(0, 200)).toEqual(Array.from({ length: 200 }, (_, i) => `early ${i}`));
    expect(lines.slice(200)).toEqual([`parent ${spawner.pid}`, 'typed here', '']);
    expect(program.exitCode).toBe(0);
  });

  it('kill ends it and says how', async () => {
    const program = spawner.attach('sleep', ['30']);
    await new Promise((r) => setTimeout(r, 200));
    expect(program.pid).toBeGreaterThan(0);
    const exited = new Promise<[number | null, string | null]>((resolve) => program.once('exit', (code, signal) => resolve([code, signal])));
    program.kill();
    expect(await exited).toEqual([null, 'SIGTERM']);
    expect(program.signalCode).toBe('SIGTERM');
  });

  it('a program that cannot start says why', async () => {
    const program = spawner.attach('architect-no-such-program', []);
    const err = await new Promise<Error>((resolve) => program.once('error', resolve));
    expect(err.message).toMatch(/ENOENT/);
  });

  it('when the helper dies, its programs end here: an error, and stdout ends', async () => {
    const own = new Spawner();
    own.start();
    try {
      const program = own.attach('sleep', ['5']); // outlives its helper: short
      const out = collect(program.stdout);
      await new Promise((r) => setTimeout(r, 200));
      const failed = new Promise<Error>((resolve) => program.once('error', resolve));
      process.kill(own.pid!, 'SIGKILL');
      expect((await failed).message).toMatch(/^the spawn helper ended before the program's answer/);
      await out.ended;
    } finally {
      own.stop();
    }
  });
});

/** Pids of the processes whose command line holds marker. */
function processesWith(marker: string): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  }).map(Number);
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(20);
  return !processAlive(pid);
}

describe('a program run by the spawn helper (run)', () => {
  let spawner: Spawner;
  beforeAll(() => {
    spawner = new Spawner();
    spawner.start();
  });
  afterAll(() => spawner.stop());
  const request = { timeoutMs: 10_000, maxBytes: 1024 * 1024 };

  it('gets the environment the request carries, or the helper\'s own without one', async () => {
    const env = { ...process.env, ARCHITECT_SPAWNER_TEST: 'from the request' };
    expect(await spawner.run({ ...request, file: 'sh', argv: ['-c', 'echo "$ARCHITECT_SPAWNER_TEST"'], env })).toMatchObject({ code: 0, stdout: 'from the request\n', killed: null });
    expect(await spawner.run({ ...request, file: 'sh', argv: ['-c', 'echo "${ARCHITECT_SPAWNER_TEST-unset}"'] })).toMatchObject({ code: 0, stdout: 'unset\n' });
  });

  it('aborting the request kills the program at once; the answer says so and the process is gone', async () => {
    const file = path.join(tempDir(), 'aborted.pid');
    const controller = new AbortController();
    const started = Date.now();
    const answer = spawner.run({ ...request, file: 'sh', argv: ['-c', `echo $$ > ${file}; exec sleep 30`] }, controller.signal);
    const pid = await pidFrom(file);
    expect(processAlive(pid)).toBe(true);
    controller.abort();
    expect(await answer).toMatchObject({ code: null, signal: 'SIGTERM', killed: 'request' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await gone(pid)).toBe(true);
  });

  it('a request aborted before it is sent: the program is killed as it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await spawner.run({ ...request, file: 'sleep', argv: ['30'] }, controller.signal)).toMatchObject({ code: null, signal: 'SIGTERM', killed: 'request' });
  });

  it('a program over its time is answered then even while a process it started holds its output open', async () => {
    const file = path.join(tempDir(), 'holder.pid');
    const started = Date.now();
    const answer = await spawner.run({ ...request, timeoutMs: 300, file: 'sh', argv: ['-c', `sleep 30 & echo $! > ${file}; wait`] });
    const holder = await pidFrom(file);
    try {
      expect(answer).toMatchObject({ code: null, signal: 'SIGTERM', killed: 'timeout' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      process.kill(holder, 'SIGKILL');
    }
  });

  it('killSignal is what ends it at its time limit (one that ignores SIGTERM too); discardStdout: its stdout unread, however much', async () => {
    const file = path.join(tempDir(), 'stubborn.pid');
    const stubborn = await spawner.run({ ...request, timeoutMs: 300, killSignal: 'SIGKILL', file: 'sh', argv: ['-c', `trap "" TERM; echo $$ > ${file}; while :; do sleep 0.1; done`] });
    expect(stubborn).toMatchObject({ code: null, signal: 'SIGKILL', killed: 'timeout' });
    expect(await gone(await pidFrom(file))).toBe(true);
    const chatty = await spawner.run({ ...request, maxBytes: 1000, discardStdout: true, file: 'sh', argv: ['-c', 'head -c 100000 /dev/zero; echo oops >&2'] });
    expect(chatty).toEqual({ code: 0, signal: null, stdout: '', stderr: 'oops\n', killed: null });
  });

  it('a pipe that arrives for a program no longer known (the helper was stopped meanwhile) is closed, so the program sees its input end', async () => {
    const own = new Spawner();
    own.start();
    const marker = `architect-orphan-pipe-${process.pid}-${Date.now()}`;
    try {
      await own.run({ ...request, file: 'true', argv: [] }); // the helper is up
      const program = own.attach('sh', ['-c', 'read line; echo "$line"', marker]);
      program.on('error', () => undefined); // the helper's stop
      // This thread is held while the helper starts it and sends its pipes; the helper is
      // then stopped before this process has read them.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_000);
      own.stop();
      const [pid] = processesWith(marker);
      expect(pid).toBeGreaterThan(0);
      expect(await gone(pid!)).toBe(true);
    } finally {
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('the spawn helper', () => {
  it('a helper that dies fails the requests it held, and the next request starts a new one', async () => {
    const spawner = new Spawner();
    spawner.start();
    const uninstall = installSpawner(spawner);
    try {
      const first = spawner.pid!;
      const held = runProgram('sleep', ['5']);
      await sleep(200);
      process.kill(first, 'SIGKILL');
      expect((await failure(held)).message).toMatch(/^cannot run sleep: the spawn helper ended before the program's answer \(exited \(SIGKILL\)\)/);
      expect(activeSpawner()).toBe(spawner);
      const ppid = Number((await runProgram('sh', ['-c', 'echo $PPID'])).trim());
      expect(spawner.pid).toBeDefined();
      expect(spawner.pid).not.toBe(first);
      expect(ppid).toBe(spawner.pid);
    } finally {
      uninstall();
      spawner.stop();
    }
  });

  it('after three deaths with no answer between them, programs are started directly', async () => {
    const spawner = new Spawner();
    const uninstall = installSpawner(spawner);
    try {
      for (let i = 0; i < 3; i++) {
        expect(activeSpawner()).toBe(spawner);
        const held = runProgram('sleep', ['5']);
        await sleep(200);
        process.kill(spawner.pid!, 'SIGKILL');
        await failure(held);
      }
      expect(activeSpawner()).toBeNull();
      expect(Number((await runProgram('sh', ['-c', 'echo $PPID'])).trim())).toBe(process.pid);
    } finally {
      uninstall();
      spawner.stop();
    }
  });

  it('uninstalling leaves a spawner installed since in place', () => {
    const a = new Spawner();
    const b = new Spawner();
    const uninstallA = installSpawner(a);
    const uninstallB = installSpawner(b);
    uninstallA();
    expect(activeSpawner()).toBe(b);
    uninstallB();
    expect(activeSpawner()).toBeNull();
  });

  it('ends when the console that started it is killed', async () => {
    // A console stand-in: starts the helper's code as the Spawner does, says its pid, waits to be killed.
    const parentCode = `
      const { spawn } = require('node:child_process');
      const helper = spawn(process.execPath, ['-e', ${JSON.stringify(SPAWNER_SOURCE)}], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      process.stdout.write(helper.pid + '\\n');
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      parent.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      for (let i = 0; i < 200 && !out.includes('\n'); i++) await sleep(25);
      const helper = Number(out.trim());
      expect(helper).toBeGreaterThan(0);
      expect(parentOf(helper)).toBe(parent.pid);
      parent.kill('SIGKILL');
      for (let i = 0; i < 200 && processAlive(helper); i++) await sleep(25);
      expect(processAlive(helper)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
