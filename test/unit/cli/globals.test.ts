import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { parseGlobals } from '../../../src/main/cli/globals.js';
import { desktopOptions } from '../../../src/main/console-db.js';

describe('global CLI options', () => {
  const env = { HOME: '/home/op', XDG_DATA_HOME: '/data' } as NodeJS.ProcessEnv;

  it('takes global options before or after the command', () => {
    const a = parseGlobals(['--db', 'x.db', 'tasks', 'list', '--tmux-socket', 'fleet', '--tmux-socket=b'], env);
    expect(a.rest).toEqual(['tasks', 'list']);
    expect(a.globals.dbPath).toBe(path.resolve('x.db'));
    expect(a.globals.tmuxSockets).toEqual(['fleet', 'b']);
  });

  it('reads ARCHITECT_* environment variables, flags win', () => {
    const e = { ...env, ARCHITECT_DB: '/tmp/a.db', ARCHITECT_CONFIG: '/etc/arch', ARCHITECT_ENV: 'production', ARCHITECT_TMUX_SOCKETS: 's1,s2' };
    const a = parseGlobals(['--env', 'development'], e);
    expect(a.globals).toMatchObject({ dbPath: '/tmp/a.db', configDir: '/etc/arch', env: 'development', tmuxSockets: ['s1', 's2'] });
  });

  it('defaults the database to the user data folder', () => {
    expect(parseGlobals([], env).globals.dbPath).toBe('/data/architect/architect.db');
  });

  it.each([
    [['--db'], '--db needs a value'],
    [['--log-level', 'loud'], '--log-level must be one of'],
    [['--tmux-socket', 'a b'], 'a tmux -L name'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseGlobals(argv, env)).toThrow(message);
  });

  it('passes --json through to the command and records it', () => {
    const a = parseGlobals(['sessions', '--json'], env);
    expect(a.rest).toEqual(['sessions', '--json']);
    expect(a.globals.json).toBe(true);
  });

  describe('a PostgreSQL database', () => {
    it('--db postgres://… names it; the SQLite file stays the default one', () => {
      const a = parseGlobals(['--db', 'postgres://ops:pw@db.lan:6543/queue', 'query', 'x'], env);
      expect(a.globals.dbUrl).toMatchObject({ engine: 'postgres', host: 'db.lan', port: 6543, database: 'queue', user: 'ops', display: 'postgres://ops:***@db.lan:6543/queue' });
      expect(a.globals.dbPath).toBe('/data/architect/architect.db');
      expect(parseGlobals(['--db=postgresql://h/q'], env).globals.dbUrl).toMatchObject({ host: 'h', port: 5432, database: 'q', user: null });
    });

    it('ARCHITECT_DB_URL (or a URL in ARCHITECT_DB) names it; --db wins over either', () => {
      expect(parseGlobals([], { ...env, ARCHITECT_DB_URL: 'postgres://a@h:1/q' }).globals.dbUrl).toMatchObject({ database: 'q' });
      expect(parseGlobals([], { ...env, ARCHITECT_DB: 'postgres://a@h:1/r' }).globals.dbUrl).toMatchObject({ database: 'r' });
      const fileWins = parseGlobals(['--db', '/tmp/x.db'], { ...env, ARCHITECT_DB_URL: 'postgres://a@h:1/q' }).globals;
      expect(fileWins).toMatchObject({ dbPath: '/tmp/x.db', dbUrl: null });
      expect(parseGlobals([], env).globals.dbUrl).toBeNull();
    });

    it.each([
      [['--db', 'postgres://h'], {}, '--db postgres://h: the URL names no database (expected postgres://user@host:port/dbname)'],
      [['--db', 'postgres://u:hunter2@h:99999/q'], {}, '--db postgres://u:***@h:99999/q: not a valid URL'],
      [['--db', 'postgres:///q'], {}, 'the URL names no host'],
      [[], { ARCHITECT_DB_URL: '/tmp/file.db' }, 'ARCHITECT_DB_URL /tmp/file.db: only postgres:// URLs name a database server'],
      [[], { ARCHITECT_DB_URL: 'postgres://h/q', ARCHITECT_DB: '/tmp/a.db' }, 'ARCHITECT_DB and ARCHITECT_DB_URL are both set'],
    ])('refuses %j %j, never showing a password', (argv, extra, message) => {
      let error: Error | null = null;
      try {
        parseGlobals(argv, { ...env, ...extra });
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message).toContain(message);
      expect(error?.message).not.toContain('hunter2');
    });
  });

  it('the desktop app takes its database as serve does: a file, or a shared queue with its own state in console.db', () => {
    const data = { ARCHITECT_DATA_DIR: '/tmp/arch-data' };
    expect(desktopOptions([], { ...data, ARCHITECT_DB: '/tmp/a.db' })).toMatchObject({ dbPath: '/tmp/a.db', dataDir: '/tmp/arch-data' });
    expect(desktopOptions([], data).sharedQueue).toBeUndefined();
    const shared = desktopOptions([], { ...data, ARCHITECT_DB_URL: 'postgres://u:pw@h:5433/q' });
    expect(shared).toMatchObject({ dbPath: '/tmp/arch-data/console.db', sharedQueue: { display: 'postgres://u:***@h:5433/q' } });
    // --db on its command line wins, as for the CLI; Electron's own arguments are left alone.
    expect(desktopOptions(['.', '--no-sandbox', '--db', 'postgresql://h/q'], data)).toMatchObject({ dbPath: '/tmp/arch-data/console.db', sharedQueue: { display: 'postgresql://h/q' } });
    expect(() => desktopOptions([], { ...data, ARCHITECT_DB_URL: 'postgres://u:hunter2@h/q', ARCHITECT_DB: '/tmp/a.db' })).toThrow('ARCHITECT_DB and ARCHITECT_DB_URL are both set');
  });
});
