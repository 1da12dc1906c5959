import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The module boundaries eslint.config.js keeps (issue 14), checked with the project's
// real config: each snippet is linted as if it were the named file.
const root = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId?.includes('restricted')).map((m) => m.message);
}

const PTY = "import { spawn } from 'node-pty';\nexport const s = spawn;\n";
const PTY_SUBPATH = "import type { IPty } from 'node-pty/lib/interfaces';\nexport type P = IPty;\n";
const SQLITE = "import Database from 'better-sqlite3';\nexport const d = Database;\n";
const SQLITE_TYPE = "import type Database from 'better-sqlite3';\nexport type D = Database.Database;\n";
const PREPARE = "declare const writer: { prepare(sql: string): unknown };\nexport const q = writer.prepare('SELECT 1');\n";

describe('lint boundaries', () => {
  it('node-pty only under src/main/terminal/', async () => {
    expect(await problems('src/main/terminal/pty.ts', PTY)).toEqual([]);
    expect(await problems('src/main/terminal/pty.ts', PTY_SUBPATH)).toEqual([]);
    for (const file of ['src/main/setup/pty.ts', 'src/main/store/pty.ts', 'src/main/cli/pty.ts', 'src/renderer/src/pty.tsx']) {
      expect(await problems(file, PTY)).toEqual([expect.stringContaining('Only src/main/terminal/ may use node-pty')]);
      expect(await problems(file, PTY_SUBPATH)).toEqual([expect.stringContaining('Only src/main/terminal/ may use node-pty')]);
    }
  }, 60_000);

  it('the SQLite driver only under src/main/store/ (types anywhere)', async () => {
    expect(await problems('src/main/store/x.ts', SQLITE)).toEqual([]);
    for (const file of ['src/main/terminal/x.ts', 'src/main/alerts/x.ts', 'src/main/cli/x.ts']) {
      expect(await problems(file, SQLITE)).toEqual([expect.stringContaining('Only src/main/store/ uses the SQLite driver')]);
      expect(await problems(file, SQLITE_TYPE)).toEqual([]);
    }
  }, 60_000);

  it('statements prepared only in src/main/store/ and the named-query pool', async () => {
    expect(await problems('src/main/store/x.ts', PREPARE)).toEqual([]);
    expect(await problems('src/main/queries/x.ts', PREPARE)).toEqual([]);
    for (const file of ['src/main/alerts/sla-watcher.ts', 'src/main/setup/x.ts', 'src/main/tasks/x.ts']) {
      expect(await problems(file, PREPARE)).toEqual([expect.stringContaining('SQL belongs in a repository under src/main/store/')]);
    }
  }, 60_000);
});
