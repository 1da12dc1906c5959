import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../support/poll.js';
import { addQuery, REPO_ROOT, startServe, type ServeProcess } from './serve-process.js';

// A named query that never ends, as a hostile (or careless) queries.yaml can hold:
// once it is stopped, `architect query` exits and `serve` still stops on SIGTERM.

const FOREVER = { sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) AS n FROM c', timeout_ms: 1000 };

let serve: ServeProcess | null = null;
let tmp: string | null = null;
afterEach(async () => {
  await serve?.stop();
  serve = null;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = null;
});

describe('a query that never ends', () => {
  it('architect query reports the timeout and exits', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-query-'));
    const configDir = path.join(tmp, 'config');
    fs.cpSync(path.join(REPO_ROOT, 'config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    addQuery(configDir, 'forever', FOREVER);
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'architect.js'), 'query', 'forever', '--config', configDir, '--db', path.join(tmp, 'a.db')], {
      env: { ...process.env, ARCHITECT_DATA_DIR: tmp, ARCHITECT_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let code: number | null | undefined;
    child.on('exit', (c) => (code = c));
    try {
      await pollUntil('architect query to exit', () => code !== undefined, { limitMs: 40_000 });
    } finally {
      child.kill('SIGKILL');
    }
    expect(code).toBe(1);
    expect(stderr).toMatch(/query "forever" ran longer than 1000 ms and was stopped/);
  }, 60_000);

  it('serve answers 504 and still stops on SIGTERM', async () => {
    serve = await startServe({ editConfig: (dir) => addQuery(dir, 'forever', FOREVER) });
    const res = await fetch(`${serve.base}/api/query/forever`, { headers: { authorization: `Bearer ${serve.token}` } });
    expect(res.status).toBe(504);
    const other = await fetch(`${serve.base}/api/query/stats_dashboard`, { headers: { authorization: `Bearer ${serve.token}` } });
    expect(other.status).toBe(200);
    serve.child.kill('SIGTERM');
    await pollUntil('serve to exit on SIGTERM', () => !serve!.alive(), { limitMs: 20_000 });
  }, 90_000);
});
