import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandChannel } from '../../../src/main/config/schemas/notifications.js';
import { sampleEvent } from '../../../src/main/notifications/sample.js';
import { runCommand } from '../../../src/main/notifications/senders.js';
import { installSpawner, Spawner } from '../../../src/main/tmux/spawner.js';
import { pollUntil } from '../../support/poll.js';
import { spawnerForSuite, HELPED_OR_DIRECT, tempDirForFile, processAlive } from '../../support/spawner.js';

// The "command" notification channel runs real programs: in the console they are forked
// by its spawn helper, elsewhere by this process. The same SendResult either way.

const NODE = process.execPath;
const EVENT = sampleEvent('script', new Date('2026-03-02T12:00:00.000Z'));

function channel(command: string[], more: Partial<CommandChannel> = {}): CommandChannel {
  return { type: 'command', command, env: {}, timeout_seconds: 10, retry: { attempts: 3, backoff_seconds: 1, max_backoff_seconds: 1 }, ...more };
}

const tempDir = tempDirForFile('architect-command-channel-');

describe.each(HELPED_OR_DIRECT)('a command channel %s', (name, helped) => {
  const spawner = spawnerForSuite(helped);
  const out = (file: string): string => path.join(tempDir(), `${helped ? 'helped' : 'direct'}-${file}`);

  it('gets the event as one JSON line on stdin and its arguments as given (no shell); its parent is the helper, or this process', async () => {
    const file = out('stdin.json');
    const script = "const fs = require('fs'); fs.writeFileSync(process.argv[1], JSON.stringify({ stdin: fs.readFileSync(0, 'utf8'), argv: process.argv.slice(2), ppid: process.ppid }))";
    const r = await runCommand(channel([NODE, '-e', script, file, 'a b', '$HOME', "'; rm -rf /"]), EVENT, 'http://127.0.0.1:7420/');
    expect(r).toEqual({ ok: true, detail: 'exit 0', retryable: false });
    const seen = JSON.parse(fs.readFileSync(file, 'utf8')) as { stdin: string; argv: string[]; ppid: number };
    expect(seen.stdin.endsWith('}\n')).toBe(true);
    expect(seen.stdin.split('\n')).toHaveLength(2);
    expect(JSON.parse(seen.stdin)).toMatchObject({ event: 'agent_waiting', session: 'example_session', test: true, link: 'http://127.0.0.1:7420/#/sessions/test%3A%250' });
    expect(seen.argv).toEqual(['a b', '$HOME', "'; rm -rf /"]);
    expect(seen.ppid).toBe(helped ? spawner()!.pid : process.pid);
  });

  it('gets the environment given, its channel env filled in, and ARCHITECT_EVENT; nothing of the helper\'s own', async () => {
    const file = out('env.json');
    const env = { PATH: process.env.PATH, ARCH_TEST_TOKEN: 's3cret' };
    const r = await runCommand(
      channel([NODE, '-e', "require('fs').writeFileSync(process.argv[1], JSON.stringify(process.env))", file], { env: { TOKEN: 'Bearer ${ARCH_TEST_TOKEN}', PLAIN: 'x' } }),
      EVENT,
      null,
      env,
    );
    expect(r.ok).toBe(true);
    const seen = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    expect(seen).toMatchObject({ ARCH_TEST_TOKEN: 's3cret', TOKEN: 'Bearer s3cret', PLAIN: 'x', ARCHITECT_EVENT: 'agent_waiting' });
    // Only what was given: not this process's HOME, not the helper's ELECTRON_RUN_AS_NODE.
    expect(Object.keys(seen).filter((k) => k !== 'PATH' && !k.startsWith('ARCH') && k !== 'TOKEN' && k !== 'PLAIN')).toEqual([]);
  });

  it('a channel env naming a variable that is not set fails (retried) and runs nothing', async () => {
    const file = out('never');
    const r = await runCommand(channel(['touch', file], { env: { TOKEN: '${ARCH_TEST_UNSET}' } }), EVENT, null, { PATH: process.env.PATH });
    expect(r).toEqual({ ok: false, detail: 'environment variable ARCH_TEST_UNSET is not set', retryable: true });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a non-zero exit fails (retried) with its code and the start of its stderr on one line', async () => {
    expect(await runCommand(channel(['sh', '-c', 'echo "bad token" >&2; echo "  for  chat 7" >&2; exit 3']), EVENT, null)).toEqual({
      ok: false,
      detail: 'sh: exit 3: bad token for chat 7',
      retryable: true,
    });
    expect(await runCommand(channel(['sh', '-c', 'exit 4']), EVENT, null)).toEqual({ ok: false, detail: 'sh: exit 4', retryable: true });
    const long = await runCommand(channel([NODE, '-e', "process.stderr.write('e'.repeat(100000)); process.exit(1)"]), EVENT, null);
    expect(long.detail).toBe(`${NODE}: exit 1: ${'e'.repeat(300)}…`);
    expect(await runCommand(channel(['sh', '-c', 'kill -USR1 $$']), EVENT, null)).toEqual({ ok: false, detail: 'sh: killed by SIGUSR1', retryable: true });
  });

  it('its stdout is not read: printing much is no failure', async () => {
    const r = await runCommand(channel([NODE, '-e', "process.stdout.write('o'.repeat(8 * 1024 * 1024))"]), EVENT, null);
    expect(r).toEqual({ ok: true, detail: 'exit 0', retryable: false });
  });

  it('a program over timeout_seconds is killed (SIGKILL: also one that ignores SIGTERM) and the failure is retried', async () => {
    const file = out('pid');
    const script = "process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)";
    const started = Date.now();
    const r = await runCommand(channel([NODE, '-e', script, file], { timeout_seconds: 1 }), EVENT, null);
    expect(r).toEqual({ ok: false, detail: `${NODE} timed out after 1 s`, retryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
    const pid = Number(fs.readFileSync(file, 'utf8'));
    await pollUntil(`${name}: the program killed`, () => !processAlive(pid), { limitMs: 5_000 });
  });

  it('a program that does not read its stdin is no failure', async () => {
    expect(await runCommand(channel(['true']), EVENT, null)).toEqual({ ok: true, detail: 'exit 0', retryable: false });
  });

  it('a program that does not exist, or may not be run, fails for good (not retried)', async () => {
    const missing = await runCommand(channel(['architect-no-such-program', '--quiet']), EVENT, null);
    expect(missing).toMatchObject({ ok: false, retryable: false });
    expect(missing.detail).toMatch(/^cannot run architect-no-such-program: .*ENOENT/);
    const notExecutable = path.join(tempDir(), 'not-executable.sh');
    fs.writeFileSync(notExecutable, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const denied = await runCommand(channel([notExecutable]), EVENT, null);
    expect(denied).toMatchObject({ ok: false, retryable: false });
    expect(denied.detail).toMatch(/^cannot run .*not-executable\.sh: .*EACCES/);
  });
});

describe('a command channel whose spawn helper dies while it runs', () => {
  it('fails, retried (it may or may not have run)', async () => {
    const spawner = new Spawner();
    spawner.start();
    const uninstall = installSpawner(spawner);
    try {
      const file = path.join(tempDir(), 'gone-pid');
      // Ends on its own soon after: nothing is left running once the helper is gone.
      const script = "require('fs').writeFileSync(process.argv[1], String(process.pid)); setTimeout(() => {}, 1500)";
      const sent = runCommand(channel([NODE, '-e', script, file]), EVENT, null);
      await pollUntil('the program started', () => fs.existsSync(file) && fs.readFileSync(file, 'utf8') !== '', { limitMs: 10_000 });
      process.kill(spawner.pid!, 'SIGKILL');
      const r = await sent;
      expect(r).toMatchObject({ ok: false, retryable: true });
      expect(r.detail).toMatch(/^cannot run .*: the spawn helper ended before the program's answer/);
      await pollUntil('the program ended', () => !processAlive(Number(fs.readFileSync(file, 'utf8'))), { limitMs: 5_000 });
    } finally {
      uninstall();
      spawner.stop();
    }
  });
});
