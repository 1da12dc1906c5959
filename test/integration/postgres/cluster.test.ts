import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';

// The harness every PostgreSQL test stands on: a cluster of its own, on loopback only,
// gone without a trace when stopped.
const missing = postgresMissing();

describe.skipIf(missing)(`a throw-away PostgreSQL cluster${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await TestPostgres.start();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('serves PostgreSQL 15 on 127.0.0.1 only, on its own port, with its socket in its own folder', async () => {
    const [row] = await pg.sql<{ v: string; listen: string; port: string; sockets: string }>(
      "SELECT current_setting('server_version_num') AS v, current_setting('listen_addresses') AS listen, current_setting('port') AS port, current_setting('unix_socket_directories') AS sockets",
    );
    expect(Number(row!.v)).toBeGreaterThanOrEqual(150000);
    expect(row!.listen).toBe('127.0.0.1');
    expect(Number(row!.port)).toBe(pg.port);
    expect(row!.port).not.toBe('5432');
    expect(row!.sockets).toBe(pg.dir);
    expect(pg.url()).toBe(`postgres://architect@127.0.0.1:${pg.port}/postgres`);
  });

  it('gives each test a database of its own', async () => {
    const a = await pg.createDatabase();
    const b = await pg.createDatabase();
    expect(a).not.toBe(b);
    await pg.sql('CREATE TABLE only_here (x integer)', [], a.split('/').pop());
    const inB = await pg.sql("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'only_here'", [], b.split('/').pop());
    expect(inB[0]!.n).toBe(0);
  });

  it('stop() ends the server and removes its folder', async () => {
    const other = await TestPostgres.start();
    const pidFile = `${other.dataDir}/postmaster.pid`;
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    await other.stop();
    expect(fs.existsSync(other.dir)).toBe(false);
    // pg_ctl -w returned once the server was gone (a zombie awaiting its reaper at most).
    const state = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] : null;
    expect(state === null || state === 'Z').toBe(true);
  });
});
