import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sshArgs } from '../../../src/main/tmux/ssh.js';
import { tmuxCommand, tmuxServer } from '../../../src/main/tmux/server.js';
import { serversToWatch, sshControlDir } from '../../../src/main/tmux/watched-servers.js';
import { ServersFile } from '../../../src/main/config/schemas/servers.js';

describe('sshArgs', () => {
  it('shares one connection, never prompts, ends options with -- and sends one quoted command', () => {
    const args = sshArgs({ host: 'dev@buildbox.lan', port: 2222, identityFile: '/k/id', configFile: '/etc/arch/ssh_config', controlDir: '/c' }, ['tmux', '-L', "it's", 'list-panes']);
    expect(args).toEqual([
      '-o', 'ControlMaster=auto', '-o', 'ControlPath=/c/ssh-%C', '-o', 'ControlPersist=60', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
      '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3', '-F', '/etc/arch/ssh_config',
      '-p', '2222', '-i', '/k/id', '-T', '--', 'dev@buildbox.lan', `'tmux' '-L' 'it'\\''s' 'list-panes'`,
    ]);
  });

  it('asks for a terminal only when told, and refuses a host that looks like an option', () => {
    expect(sshArgs({ host: 'h', controlDir: '/c' }, ['tmux'], { tty: true })).toContain('-t');
    expect(() => sshArgs({ host: '-oProxyCommand=touch /tmp/x' }, ['tmux'])).toThrow(/cannot start with "-"/);
  });

  it('a local server runs tmux directly, a remote one runs ssh', () => {
    expect(tmuxCommand(tmuxServer('s1'), ['list-panes'])).toEqual({ file: 'tmux', args: ['-u', '-L', 's1', 'list-panes'] });
    const remote = tmuxCommand({ name: 'b', socket: 'agents', ssh: { host: 'h', controlDir: '/tmp' } }, ['list-panes', '-a']);
    expect(remote.file).toBe('ssh');
    expect(remote.args.slice(-3)).toEqual(['--', 'h', `'tmux' '-u' '-L' 'agents' 'list-panes' '-a'`]);
  });
});

describe('servers to watch', () => {
  const cli = [tmuxServer(null), tmuxServer('cli-sock')];

  it('adds servers.yaml sockets and ssh hosts after the command line, skipping clashes', () => {
    const { servers, problems } = serversToWatch(cli, {
      tmux_sockets: ['cli-sock', 'extra'],
      ssh_hosts: [
        { name: 'buildbox', host: 'dev@buildbox.lan', port: 22, tmux_socket: null, identity_file: null },
        { name: 'cli-sock', host: 'x' },
      ],
    }, '/ctl');
    expect(servers.map((s) => s.name)).toEqual(['default', 'cli-sock', 'extra', 'buildbox']);
    expect(servers[3]).toEqual({ name: 'buildbox', socket: null, ssh: { host: 'dev@buildbox.lan', port: 22, controlDir: '/ctl' } });
    expect(problems).toEqual([expect.stringContaining('"cli-sock" is skipped')]);
  });

  it('passes ssh_config as ssh -F, with ~/ expanded (ssh does not expand -F)', () => {
    const { servers } = serversToWatch([], {
      tmux_sockets: [],
      ssh_hosts: [{ name: 'a', host: 'h', ssh_config: '~/.architect/ssh_config' }, { name: 'b', host: 'h', ssh_config: '/etc/arch/ssh_config' }],
    }, '/ctl');
    expect(servers.map((s) => s.ssh?.configFile)).toEqual([path.join(os.homedir(), '.architect/ssh_config'), '/etc/arch/ssh_config']);
  });

  it('keeps control sockets under the data folder only when the path fits a socket address', () => {
    expect(sshControlDir('/home/me/.architect')).toBe('/home/me/.architect/ssh');
    expect(sshControlDir(`/tmp/${'x'.repeat(80)}`)).toMatch(/architect-ssh-/);
  });
});

describe('servers.yaml schema', () => {
  const ok = (v: unknown) => ServersFile.safeParse(v);
  const messages = (v: unknown) => {
    const r = ok(v);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts the shipped shape and fills defaults', () => {
    expect(ok({ version: '1.0' })).toMatchObject({ success: true, data: { tmux_sockets: [], ssh_hosts: [] } });
    expect(ok({ version: '1.0', ssh_hosts: [{ name: 'buildbox', host: 'dev@buildbox.lan', port: 22, tmux_socket: null, identity_file: null }] }).success).toBe(true);
  });

  it.each([
    ['a host starting with -', { ssh_hosts: [{ name: 'a', host: '-oProxyCommand=sh' }] }, /ssh_hosts.0.host: .*cannot start with "-"/],
    ['a bad name', { ssh_hosts: [{ name: 'a:b', host: 'h' }] }, /ssh_hosts.0.name: a server name is/],
    ['the name default', { ssh_hosts: [{ name: 'default', host: 'h' }] }, /ssh_hosts.0.name: "default"/],
    ['a duplicate host name', { ssh_hosts: [{ name: 'a', host: 'h' }, { name: 'a', host: 'i' }] }, /ssh_hosts.1.name: .*used twice/],
    ['a host named like a socket', { tmux_sockets: ['a'], ssh_hosts: [{ name: 'a', host: 'h' }] }, /ssh_hosts.0.name: .*already a local socket/],
    ['a duplicate socket', { tmux_sockets: ['a', 'a'] }, /tmux_sockets.1: .*listed twice/],
    ['an unknown key', { ssh_hosts: [{ name: 'a', host: 'h', user: 'x' }] }, /ssh_hosts.0: /],
    ['a bad port', { ssh_hosts: [{ name: 'a', host: 'h', port: 70000 }] }, /ssh_hosts.0.port/],
    ['a relative ssh_config', { ssh_hosts: [{ name: 'a', host: 'h', ssh_config: 'ssh_config' }] }, /ssh_hosts.0.ssh_config: .*absolute path or starts with "~\/"/],
  ])('refuses %s', (_label, body, expected) => {
    expect(messages({ version: '1.0', ...body }).join('\n')).toMatch(expected);
  });
});
