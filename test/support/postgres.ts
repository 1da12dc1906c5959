import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';

// A throw-away PostgreSQL 15 cluster for the tests that need the second engine:
// Debian's server binaries (package `postgresql`), a new cluster made by initdb in a
// temp folder, served on a free loopback port with its socket in that folder, trust
// authentication for the user `architect`, stopped and removed by stop(). The system's
// clusters (and their port 5432) are never touched.
//
// PostgreSQL refuses to run as root: as root, the folder is handed to the `postgres`
// user and initdb / pg_ctl run as that user through runuser.
//
// The folder is named after the test run (ARCHITECT_TEST_RUN), and the server inherits
// that variable: a cluster a crashed test could not stop is found, killed and removed
// by the leftovers check (scripts/leftovers.js).

const run = promisify(execFile);

/** Where Debian puts the server binaries (not on PATH); ARCHITECT_PG_BIN overrides. */
export const PG_BIN = process.env.ARCHITECT_PG_BIN || '/usr/lib/postgresql/15/bin';
/** The role initdb makes the superuser: every test connects as it. */
export const PG_USER = 'architect';
/** Under load initdb and start-up take seconds; everything here waits for conditions. */
const WAIT_S = 120;

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export function postgresMissing(): string | null {
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) {
    if (!fs.existsSync(path.join(PG_BIN, bin))) {
      return `PostgreSQL binaries not found (${path.join(PG_BIN, bin)}; apt-get install postgresql, or set ARCHITECT_PG_BIN)`;
    }
  }
  return null;
}

/** The prefix of every cluster folder of test run `runId` (scripts/leftovers.js removes what is left). */
export function clusterDirPrefix(runId: string): string {
  return path.join(os.tmpdir(), `architect-pg-${runId}-`);
}

export interface StartOptions {
  /**
   * Durability off (fsync, synchronous_commit, full_page_writes): a throw-away cluster
   * need not survive a power cut, and the tests run several times faster. The bench
   * keeps it on to measure what an operator's server does.
   */
  fast?: boolean;
}

export class TestPostgres {
  readonly dir: string;
  readonly dataDir: string;
  readonly port: number;
  readonly logFile: string;
  private running = false;
  private databases = 0;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.dataDir = path.join(dir, 'data');
    this.logFile = path.join(dir, 'postgres.log');
  }

  /** A new cluster in a new temp folder, serving on loopback. Removes everything again if it cannot start. */
  static async start(opts: StartOptions = {}): Promise<TestPostgres> {
    const missing = postgresMissing();
    if (missing) throw new Error(missing);
    const runId = process.env.ARCHITECT_TEST_RUN || 'norun';
    const dir = fs.mkdtempSync(clusterDirPrefix(runId));
    let cluster: TestPostgres | null = null;
    try {
      if (asRoot()) {
        const { uid, gid } = postgresUser();
        fs.chownSync(dir, uid, gid);
      }
      // A port free now may be taken before the server binds it: a few tries.
      for (let attempt = 1; ; attempt++) {
        cluster = new TestPostgres(dir, await freePort());
        if (attempt === 1) await cluster.initdb();
        try {
          await cluster.serve(opts);
          break;
        } catch (err) {
          if (attempt >= 3 || !/could not bind|Address already in use/i.test(cluster.log())) throw err;
        }
      }
      return cluster;
    } catch (err) {
      const log = cluster?.log() ?? '';
      await cluster?.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`${(err as Error).message}${log ? `\n--- postgres.log ---\n${log}` : ''}`);
    }
  }

  /** The URL of database `db` on this cluster (what `--db` takes). */
  url(db = 'postgres'): string {
    return `postgres://${PG_USER}@127.0.0.1:${this.port}/${db}`;
  }

  /** A new, empty database; its URL. Each test can have its own. */
  async createDatabase(name = `t${++this.databases}_${process.pid}`): Promise<string> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    await this.sql(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  /** Runs one statement on database `db` over its own connection: the test's setup, not the product's. */
  async sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = [], db = 'postgres'): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.url(db) });
    await client.connect();
    try {
      return (await client.query<R>(text, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** What the server wrote (for a failing test's message). */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /** Stops the server (immediately: nothing here needs to survive) and removes the folder. */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      await pgTool('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', String(WAIT_S), 'stop']).catch((err: unknown) => {
        // Already gone (killed by a test): nothing to stop.
        if (fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))) throw err;
      });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async initdb(): Promise<void> {
    await pgTool('initdb', ['-D', this.dataDir, '-A', 'trust', '-U', PG_USER, '-E', 'UTF8', '--locale=C', '--no-sync']);
  }

  private async serve(opts: StartOptions): Promise<void> {
    const settings = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      // Room for two consoles' pools, their listeners and the test's own connections.
      '-c max_connections=200',
      ...(opts.fast === false ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    ];
    this.running = true;
    await pgTool('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', settings.join(' '), '-w', '-t', String(WAIT_S), 'start']);
  }
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

function postgresUser(): { uid: number; gid: number } {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, PostgreSQL needs the `postgres` user to run as (apt-get install postgresql creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** One of the server's tools, as the `postgres` user when we are root. */
async function pgTool(tool: string, args: string[]): Promise<void> {
  const bin = path.join(PG_BIN, tool);
  const [file, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    await run(file, argv, { timeout: (WAIT_S + 10) * 1000, cwd: os.tmpdir() });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

