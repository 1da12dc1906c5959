import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../support/poll.js';
import { REPO_ROOT, startServe, type ServeProcess } from './serve-process.js';

// What the console keeps on disk holds prompts and pane text: its folders are 0700
// and its files 0600. Its token is in no process list and no log.

const TOKEN = 'chosen-token-0123456789abcdef';
let c: ServeProcess;
beforeAll(async () => {
  c = await startServe({ env: { ARCHITECT_TOKEN: TOKEN } });
});
afterAll(async () => c?.stop());

const mode = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);

describe('files and secrets', () => {
  it('the data folder and what is in it are private', async () => {
    await pollUntil('the hooks folder', () => fs.existsSync(path.join(c.dataDir, 'hooks')), { limitMs: 20_000 });
    expect(mode(c.dataDir)).toBe('700');
    expect(mode(path.join(c.dataDir, 'logs'))).toBe('700');
    expect(mode(path.join(c.dataDir, 'logs', 'architect.jsonl'))).toBe('600');
    expect(mode(path.join(c.dataDir, 'hooks'))).toBe('700');
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(c.dbPath + suffix)) expect(`${suffix}:${mode(c.dbPath + suffix)}`).toBe(`${suffix}:600`);
    }
    expect(mode(c.dbPath)).toBe('600');
  });

  it('a chosen token comes from the environment or a file: never on the command line, never in a log', async () => {
    expect(c.token).toBe(TOKEN);
    const cmdline = fs.readFileSync(`/proc/${c.child.pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain(TOKEN);
    const res = await fetch(`${c.base}/api/query/stats_dashboard?token=${TOKEN}`);
    expect(res.status).toBe(401);
    expect(c.logText()).not.toContain(TOKEN);
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'architect.js'), 'serve', '--token', TOKEN], {
      encoding: 'utf8',
      env: { ...process.env, ARCHITECT_FROM_SOURCE: '1', ARCHITECT_DATA_DIR: c.dataDir },
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--token/);
  });
});
