import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/api.js';
import { RpcClient, startTestConsole, type TestConsole } from '../integration/web/console.js';
import { pollUntil } from '../support/poll.js';

// What a program in a pane prints is the least trusted input of all: a title of a
// hundred kilobytes, escape sequences, invalid UTF-8, markup, a megabyte on one line,
// a flood (a few megabytes: enough to pass every bound, light enough to share the machine with the rest of the suite). The console stays up, answers, and passes on only bounded text.

let c: TestConsole;
let hostile: string;
let rpc: RpcClient;

beforeAll(async () => {
  c = await startTestConsole();
  const script = path.join(c.dir, 'hostile.sh');
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `printf '\\033]2;%s\\033\\\\' "$(head -c 100000 /dev/zero | tr '\\0' T)"`,
      `printf '<script>alert(1)</script> {"jsonrpc":"2.0","method":"terminal.data"}\\n'`,
      `printf '\\377\\376\\300\\200 invalid utf-8 \\033[6n \\033]52;c;ZXZpbA==\\007 \\033P+q544e\\033\\\\\\n'`,
      'head -c 1000000 /dev/zero | tr "\\0" x; echo',
      'head -c 2000000 /dev/urandom | od -An -tx1',
      'echo flood-done',
      'exec sleep 600',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  hostile = c.tmux.newSession('hostile', [script], { width: 120, height: 40 });
  rpc = await RpcClient.connect(c);
}, 60_000);
afterAll(async () => {
  rpc?.close();
  await c?.stop();
});

async function session(): Promise<Session | undefined> {
  const r = await rpc.call('sessions.list');
  return (r.result as { sessions: Session[] }).sessions.find((s) => s.paneId === hostile);
}

describe('hostile pane text', () => {
  it('the console stays up and passes on only bounded text', async () => {
    await pollUntil('the flood printed', () => c.tmux.run('capture-pane', '-p', '-t', hostile).includes('flood-done'), { limitMs: 120_000, intervalMs: 500 });
    const s = await pollUntil('the pane listed', session, { limitMs: 20_000 });
    expect(s.title.length).toBeLessThanOrEqual(1_000);
    expect((s.lastLine ?? '').length).toBeLessThanOrEqual(200);
    const frame = JSON.stringify((await rpc.call('sessions.list')).result);
    expect(frame.length).toBeLessThan(100_000);
    const explain = await rpc.call('sessions.explain', { id: s.id });
    expect(explain.error).toBeUndefined();
  }, 180_000);

  it('a viewer that never draws what it gets costs bounded memory', async () => {
    const flood = c.tmux.newSession('flood', ['sh', '-c', 'read go; head -c 3000000 /dev/urandom | od -An -tx1; exec sleep 600'], { width: 120, height: 40 });
    await pollUntil('the flood pane listed', async () => {
      const r = await rpc.call('sessions.list');
      return (r.result as { sessions: Session[] }).sessions.some((x) => x.paneId === flood);
    }, { limitMs: 20_000 });
    const viewer = await RpcClient.connect(c);
    const opened = await viewer.call('terminal.open', { sessionId: `${c.tmux.socket}:${flood}` });
    expect(opened.error).toBeUndefined();
    c.tmux.run('send-keys', '-t', flood, 'Enter');
    await new Promise((r) => setTimeout(r, 5_000));
    const sent = viewer.notifications.filter((n) => n.method === 'terminal.data').reduce((sum, n) => sum + (n.params as { data: string }).data.length, 0);
    // ~9 MB printed, never acknowledged: the view stops at its high-water mark (plus one batch).
    expect(sent).toBeGreaterThan(100 * 1024);
    expect(sent).toBeLessThan(600 * 1024);
    expect((await rpc.call('app.info')).result).toBeDefined();
    viewer.close();
  }, 60_000);
});
