import { describe, expect, it } from 'vitest';
import { parseGlobals } from '../../../src/main/cli/globals.js';
import { globalsQueueHost, hostNameProblem, queueHostName } from '../../../src/main/tmux/host-name.js';

describe('the machine name on a shared queue', () => {
  it('is the short host name (up to the first "."), or ARCHITECT_HOST_NAME when set', () => {
    expect(queueHostName({}, () => 'buildbox.corp.example.com')).toBe('buildbox');
    expect(queueHostName({}, () => 'laptop')).toBe('laptop');
    expect(queueHostName({ ARCHITECT_HOST_NAME: 'ci-runner_7' }, () => 'f3a9c1e07b2d')).toBe('ci-runner_7');
  });

  it.each([
    ['', 'it is empty'],
    ['a:b', 'contains ":"'],
    ['build.box', 'contains "."'],
    ['me@box', 'contains "@"'],
    ['my box', 'contains " "'],
    ['box\t', 'contains "\\t"'],
    ['box\u0007', 'contains "\\u0007"'],
  ])('refuses ARCHITECT_HOST_NAME=%j, naming the variable and the value', (value, why) => {
    expect(() => queueHostName({ ARCHITECT_HOST_NAME: value }, () => 'laptop')).toThrow(`ARCHITECT_HOST_NAME=${JSON.stringify(value)} cannot name this machine`);
    expect(hostNameProblem(value)).toContain(why);
  });

  it('asks for ARCHITECT_HOST_NAME when the host name cannot serve', () => {
    expect(() => queueHostName({}, () => '')).toThrow('set ARCHITECT_HOST_NAME');
    expect(() => queueHostName({}, () => '.local')).toThrow('set ARCHITECT_HOST_NAME');
  });

  it('is worked out with a PostgreSQL database only: a bad value stops the command line there, and is not looked at on SQLite', () => {
    const url = 'postgres://u@db.example.com/architect';
    expect(parseGlobals(['--db', url], { ARCHITECT_HOST_NAME: 'hostA', HOME: '/home/u' }).globals.queueHost).toBe('hostA');
    expect(() => parseGlobals(['--db', url], { ARCHITECT_HOST_NAME: 'host:A', HOME: '/home/u' })).toThrow('ARCHITECT_HOST_NAME="host:A"');
    const sqlite = parseGlobals(['--db', '/tmp/a.db'], { ARCHITECT_HOST_NAME: 'host:A', HOME: '/home/u' }).globals;
    expect(sqlite.queueHost).toBeUndefined();
    expect(globalsQueueHost(sqlite)).toBeUndefined();
  });
});
