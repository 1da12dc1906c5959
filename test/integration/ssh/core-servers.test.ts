import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo, Session } from '../../../src/shared/api.js';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { defaultConfigDir } from '../../../src/main/paths.js';
import { PrivateTmux } from '../../support/tmux.js';
import { pollUntil } from '../../support/poll.js';
import { installFakeSsh } from './fake-ssh.js';

// servers.yaml through the whole core: loaded with the config, watched, and applied
// live when the file changes (ssh host → local socket), with the fake ssh on PATH.
const HOST = 'dev@buildbox.lan';
const PORT = 2222;
const WAIT_MS = 15_000;

const tmux = new PrivateTmux();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-core-ssh-'));
const bin = path.join(dir, 'bin');
const configDir = path.join(dir, 'config');
const serversYaml = path.join(configDir, 'base', 'servers.yaml');
const savedPath = process.env.PATH;
let core: Core;
let pane = '';

const until = <T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>): Promise<T> =>
  pollUntil(what, check, { limitMs: WAIT_MS });

const call = async <T>(method: string, params: unknown = {}): Promise<T> =>
  (await (core.handlers as unknown as Record<string, (p: unknown) => unknown>)[method]!(params)) as T;
const sessions = async (): Promise<Session[]> => (await call<{ sessions: Session[] }>('sessions.list')).sessions;

beforeAll(async () => {
  fs.mkdirSync(bin);
  installFakeSsh(bin, { host: HOST, port: PORT, log: path.join(dir, 'ssh.log'), psBrokenFlag: path.join(dir, 'no-such-flag') });
  process.env.PATH = `${bin}:${savedPath ?? '/usr/bin:/bin'}`;
  pane = tmux.newSession('dev_worker1', ['sh']);
  fs.cpSync(defaultConfigDir(), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
  fs.writeFileSync(serversYaml, [
    'version: "1.0"',
    'ssh_hosts:',
    '  - name: buildbox',
    `    host: ${HOST}`,
    `    port: ${PORT}`,
    `    tmux_socket: ${tmux.socket}`,
    '',
  ].join('\n'));
  core = await startCore({
    configDir,
    dbPath: path.join(dir, 'architect.db'),
    dataDir: dir,
    env: null,
    tmuxSockets: [],
    watchDefaultTmux: false,
    log: silentLogger,
    runtime: 'node',
    transport: 'websocket',
  });
});

afterAll(async () => {
  await core?.stop();
  process.env.PATH = savedPath;
  tmux.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('servers.yaml in the core', () => {
  it('watches the ssh host it lists, and follows an edit live', async () => {
    expect((await call<AppInfo>('app.info')).tmuxServers).toEqual(['buildbox']);
    await until('the pane seen through ssh', async () => (await sessions()).some((s) => s.id === `buildbox:${pane}`));

    // The same server, now listed as a local socket: the ssh host goes, its panes exit, the socket is watched.
    fs.writeFileSync(serversYaml, `version: "1.0"\ntmux_sockets: [${tmux.socket}]\n`);
    await until('the local socket watched instead', async () => {
      const ids = (await sessions()).map((s) => s.id);
      return ids.includes(`${tmux.socket}:${pane}`) && !ids.some((id) => id.startsWith('buildbox:'));
    });
    expect((await call<AppInfo>('app.info')).tmuxServers).toEqual([tmux.socket]);
  });

  it('refuses an option-looking host and keeps the last good servers', async () => {
    fs.writeFileSync(serversYaml, 'version: "1.0"\nssh_hosts:\n  - { name: evil, host: "-oProxyCommand=touch /tmp/x" }\n');
    const problems = await until('the config problem reported', async () => {
      const status = await call<{ errors: Array<{ file: string; line: number; message: string }> }>('config.status').catch(() => null);
      return status && status.errors.length > 0 && status.errors;
    });
    expect(problems[0]).toMatchObject({ file: expect.stringContaining('servers.yaml'), line: 3, message: expect.stringContaining('cannot start with "-"') });
    expect((await call<AppInfo>('app.info')).tmuxServers).toEqual([tmux.socket]);
  });
});

describe('a config folder from before servers.yaml', () => {
  it('still loads, with no extra servers', async () => {
    const { loadConfig } = await import('../../../src/main/config/load.js');
    const old = path.join(dir, 'old-config');
    fs.cpSync(defaultConfigDir(), old, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    fs.rmSync(path.join(old, 'base', 'servers.yaml'));
    const result = loadConfig({ dir: old, env: null });
    expect(result.ok && result.snapshot.servers).toEqual({ version: '1.0', tmux_sockets: [], ssh_hosts: [] });
  });
});
