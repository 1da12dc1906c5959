// `architect notify test` against a real receiver, and `architect answer` against a
// scripted agent in a private tmux server, run as the CLI runs them (its own monitor,
// the SQLite file, the config folder).
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../src/main/cli/command.js';
import { answerCommand } from '../../../src/main/cli/commands/answer.js';
import { notifyCommand } from '../../../src/main/cli/commands/notify.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../../src/main/store/postgres/migrate.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { openStore } from '../../../src/main/store/store.js';
import { pollUntil } from '../../support/poll.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import pg from 'pg';
import { AttentionConsole, Receiver, SHARED_HOST, type Agent } from './harness.js';

function run(c: AttentionConsole, dbUrl: string | null = null) {
  return async (command: typeof answerCommand, args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => (out += String(d)));
    stderr.on('data', (d) => (err += String(d)));
    const ctx: CliContext = {
      globals: { configDir: c.configDir, dbPath: c.dbPath, dbUrl: dbUrl ? parsePostgresUrl(dbUrl, '--db') : null, ...(dbUrl ? { queueHost: SHARED_HOST } : {}), dataDir: c.dir, env: null, tmuxSockets: [c.tmux.socket], watchDefaultTmux: false, logLevel: 'error', json: false },
      stdout,
      stderr,
      interrupted: new Promise(() => {}),
    };
    const code = await command.run(args, ctx);
    return { code, out, err };
  };
}

describe('architect notify test / architect answer', () => {
  const receiver = new Receiver();
  let c: AttentionConsole;
  let cli: ReturnType<typeof run>;
  let agent: Agent;

  beforeAll(async () => {
    await receiver.start();
    c = new AttentionConsole(`version: "1.0"
channels:
  hook: { type: webhook, url: "${receiver.url}/hook", format: slack }
  script: { type: command, command: ["${process.execPath}", "-e", "require('fs').writeFileSync(process.argv[1], require('fs').readFileSync(0))", "${path.join('OUT_DIR', 'stdin.json')}"] }
`);
    // The command channel writes its stdin into the test's folder.
    const file = path.join(c.configDir, 'base', 'notifications.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('OUT_DIR', c.dir));
    cli = run(c);
    agent = c.agent('dev_worker1');
  });
  afterAll(async () => {
    await c?.stop();
    await receiver.close();
  });

  it('notify test sends a sample to a webhook and prints the reply; a failure exits 1', async () => {
    const ok = await cli(notifyCommand, ['test', 'hook']);
    expect(ok).toMatchObject({ code: 0, out: 'hook: sent: HTTP 200: ok\n' });
    expect(receiver.posts).toHaveLength(1);
    expect(String(receiver.posts[0]!.body.text)).toContain('*Test from Architect: example_session waits for approval*');

    receiver.answerWith(500);
    const failed = await cli(notifyCommand, ['test', 'hook']);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('hook: failed: HTTP 500: receiver says no (a test is not retried)');
  });

  it('notify test runs a command channel with the event as JSON on stdin (no shell)', async () => {
    const r = await cli(notifyCommand, ['test', 'script']);
    expect(r).toMatchObject({ code: 0, out: 'script: sent: exit 0\n' });
    const event = JSON.parse(fs.readFileSync(path.join(c.dir, 'stdin.json'), 'utf8')) as Record<string, unknown>;
    expect(event).toMatchObject({ event: 'agent_waiting', session: 'example_session', test: true, question: 'Do you want to proceed?' });
  });

  it('notify test names a misspelt channel and refuses the ones only a console shows', async () => {
    expect(await cli(notifyCommand, ['test', 'hoook'])).toMatchObject({ code: 1, err: expect.stringContaining('no channel "hoook" (did you mean "hook"?)') });
    expect(await cli(notifyCommand, ['test', 'desktop'])).toMatchObject({ code: 1, err: expect.stringContaining('shown by a running console') });
  });

  it('answer lists and shows the dialog, answers it, records who did; a stale answer is refused', async () => {
    await pollUntil('the agent drawn', () => c.tmux.run('capture-pane', '-p', '-t', agent.pane).includes('? for shortcuts'), { limitMs: 15_000 });
    agent.cue('approval');
    await pollUntil('the dialog drawn', () => c.tmux.run('capture-pane', '-p', '-t', agent.pane).includes('Do you want to proceed?'), { limitMs: 15_000 });

    const list = await cli(answerCommand, []);
    expect(list.code).toBe(0);
    expect(list.out).toContain('dev_worker1 (claude) — approval');
    expect(list.out).toContain('  3. No');
    const shown = await cli(answerCommand, ['dev_worker1', '--json']);
    const dialogId = (JSON.parse(shown.out) as { dialog: { id: string } }).dialog.id;

    // Another dialog id than the one on screen: refused, nothing typed.
    const stale = await cli(answerCommand, ['dev_worker1', '1', '--dialog', 'ffffffffffff']);
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('refused: the dialog on the screen changed since it was read');
    expect(agent.answers()).toEqual([]);

    const answered = await cli(answerCommand, ['dev_worker1', '3', '--dialog', dialogId, '--by', 'alice']);
    expect(answered).toMatchObject({ code: 0, out: expect.stringContaining('dev_worker1: answered: answered "Do you want to proceed?" with 3. No; the agent is idle now') });
    expect(agent.answers()).toEqual([{ screen: 'approval', key: '3' }]);

    // The dialog is gone: answering again is refused.
    const gone = await cli(answerCommand, ['dev_worker1', '1']);
    expect(gone).toMatchObject({ code: 1, err: expect.stringContaining('no dialog is on the screen any more') });

    const store = openStore({ path: c.dbPath, logger: silentLogger });
    try {
      const rows = store.writer.prepare("SELECT decision, reason FROM decisions WHERE kind = 'answer' ORDER BY id").all() as Array<{ decision: string; reason: string }>;
      expect(rows.map((r) => r.decision)).toEqual(['refused', 'answered 3. No', 'refused']);
      expect(rows[1]!.reason).toMatch(/^alice answered "Do you want to proceed\?" on dev_worker1/);
    } finally {
      store.close();
    }
  });

  const missing = postgresMissing();
  it.skipIf(missing)(`answer on a shared queue (--db postgres://…) records the answer in its decisions, beside the task the session holds there${missing ? ` (skipped: ${missing})` : ''}`, async () => {
    const cluster = await TestPostgres.start({ fast: true });
    try {
      const url = await cluster.createDatabase();
      const onQueue = run(c, url);
      agent.cue('approval');
      await pollUntil('the dialog drawn again', () => c.tmux.run('capture-pane', '-p', '-t', agent.pane).includes('Do you want to proceed?'), { limitMs: 15_000 });
      // Listing and showing read only the panes: the same on both engines.
      expect((await onQueue(answerCommand, [])).out).toContain('dev_worker1 (claude) — approval');
      // dev_worker1 holds a task of the shared queue.
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      try {
        await migratePostgres(pool, url, migrations);
        const queue = new PostgresTaskStore(pool);
        const task = await queue.add({ type: 'bug_fix', title: 'held', prompt: 'p', priority: 5 });
        // On the shared queue the session is named SOCKET@testhost:dev_worker1.
        await queue.claimMany([{ taskId: task.id, session: c.sharedName('dev_worker1'), reason: 'test' }], [], new Date());
        const answered = await onQueue(answerCommand, ['dev_worker1', '3', '--by', 'bob']);
        expect(answered, answered.err).toMatchObject({ code: 0, out: expect.stringContaining(`${c.sharedName('dev_worker1')}: answered: answered "Do you want to proceed?" with 3. No`) });
        const rows = (await pool.query<{ decision: string; reason: string; task_id: number | null }>("SELECT decision, reason, task_id FROM decisions WHERE kind = 'answer' ORDER BY id")).rows;
        expect(rows).toEqual([{ decision: 'answered 3. No', reason: expect.stringMatching(new RegExp(`^bob answered "Do you want to proceed\\?" on ${c.sharedName('dev_worker1')}`)), task_id: task.id }]);
      } finally {
        await pool.end();
      }
      // Nothing went to the SQLite file.
      const store = openStore({ path: c.dbPath, logger: silentLogger });
      try {
        expect(store.writer.prepare("SELECT count(*) FROM decisions WHERE kind = 'answer' AND reason LIKE 'bob %'").pluck().get()).toBe(0);
      } finally {
        store.close();
      }
    } finally {
      await cluster.stop();
    }
  }, 180_000);
});
