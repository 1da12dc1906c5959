// A stray rejection in a long-running console is logged and the process goes on;
// without the handler Node ends the process (the control), so the test can fail.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-stray-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const MODULE = path.resolve(import.meta.dirname, '../../../src/main/log/stray-rejections.ts');
const LOGGER = path.resolve(import.meta.dirname, '../../../src/main/log/logger.ts');

function run(withHandler: boolean): { status: number | null; stdout: string; stderr: string } {
  const script = path.join(dir, `child-${withHandler}.ts`);
  fs.writeFileSync(
    script,
    `import { logStrayRejections } from ${JSON.stringify(MODULE)};
import { createLogger } from ${JSON.stringify(LOGGER)};
const log = createLogger({ level: 'info', console: process.stdout });
if (${withHandler}) logStrayRejections(log);
void Promise.reject(new Error('boom in a side path'));
setTimeout(() => process.stdout.write('still running\\n'), 100);
`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('stray promise rejections', () => {
  it('are logged with their stack and the process keeps running', () => {
    const r = run(true);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('a promise was rejected and nothing handled it');
    expect(r.stdout).toContain('boom in a side path');
    expect(r.stdout).toContain('still running');
  }, 40_000);

  it('end the process without the handler (what `architect serve` and the desktop app had)', () => {
    const r = run(false);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('still running');
    expect(r.stderr).toContain('boom in a side path');
  }, 40_000);
});
