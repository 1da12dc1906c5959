import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { PrivateTmux } from '../support/tmux.js';
import { spawnServe, stopChild } from '../support/processes.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/**
 * `architect serve` as the operator runs it: a real process (from the sources), on
 * a temp database and config, watching a private tmux server. A crash shows as the
 * process exiting, which an in-process server would hide inside the test runner.
 */
export interface ServeProcess {
  child: ChildProcess;
  port: number;
  token: string;
  base: string;
  dir: string;
  dataDir: string;
  dbPath: string;
  configDir: string;
  tmux: PrivateTmux;
  stdout(): string;
  stderr(): string;
  alive(): boolean;
  /** The JSON-lines log the console wrote. */
  logText(): string;
  stop(): Promise<void>;
}

/** The repository's root (where bin/ and config/ are). */
export const REPO_ROOT = ROOT;

/** Adds a named query to a config folder's base/queries.yaml. */
export function addQuery(configDir: string, name: string, def: Record<string, unknown>): void {
  const file = path.join(configDir, 'base', 'queries.yaml');
  const doc = parseDocument(fs.readFileSync(file, 'utf8'));
  doc.setIn(['queries', name], def);
  fs.writeFileSync(file, doc.toString());
}

export async function startServe(opts: { args?: string[]; env?: Record<string, string>; editConfig?(configDir: string): void } = {}): Promise<ServeProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-serve-'));
  const configDir = path.join(dir, 'config');
  fs.cpSync(path.join(ROOT, 'config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
  opts.editConfig?.(configDir);
  const dataDir = path.join(dir, 'data');
  const dbPath = path.join(dataDir, 'architect.db');
  const tmux = new PrivateTmux();
  tmux.newSession('probe', ['sh']);
  const served = await spawnServe('serve', ['--config', configDir, '--db', dbPath, '--no-default-tmux', '--tmux-socket', tmux.socket, ...(opts.args ?? [])], {
    ARCHITECT_DATA_DIR: dataDir,
    ...opts.env,
  }, 60_000);
  const { child, port } = served;
  const logFile = path.join(dataDir, 'logs', 'architect.jsonl');
  return {
    child,
    port,
    token: served.token,
    base: `http://127.0.0.1:${port}`,
    dir,
    dataDir,
    dbPath,
    configDir,
    tmux,
    stdout: served.stdout,
    stderr: served.stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    logText: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async stop() {
      await stopChild(child);
      tmux.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
