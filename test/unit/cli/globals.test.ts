import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { parseGlobals } from '../../../src/main/cli/globals.js';

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
});
