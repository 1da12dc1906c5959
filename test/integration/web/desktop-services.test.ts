import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { loadConfig } from '../../../src/main/config/load.js';
import { httpServicesPort, keepHttpServices, startHttpServices, type HttpServices } from '../../../src/main/web/services.js';
import { pollUntil } from '../../support/poll.js';
import { freePort } from '../../support/ports.js';

// The desktop app's HTTP services, run the way Electron's main process runs them
// (keepHttpServices / startHttpServices on a started core; Electron itself cannot run
// here): off unless servers.yaml's `http` or ARCHITECT_HTTP_PORT turns them on, behind a
// token kept in the data folder, the same routes as `serve`.

let dir: string;
let core: Core;
let services: HttpServices;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-desktop-http-'));
  const configDir = path.join(dir, 'config');
  fs.cpSync(path.resolve('config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
  core = await startCore({ configDir, dbPath: path.join(dir, 'architect.db'), dataDir: dir, env: null, tmuxSockets: [], watchDefaultTmux: false, log: silentLogger, runtime: 'electron', transport: 'ipc', dispatch: false });
  services = await startHttpServices(core, { port: 0, dataDir: dir, log: silentLogger });
}, 60_000);
afterAll(async () => {
  await services?.stop();
  await core?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('HTTP services from the desktop app', () => {
  it('are off by default; a chosen port turns them on; a bad one says what is wrong', () => {
    expect(httpServicesPort({})).toBeNull();
    expect(httpServicesPort({ ARCHITECT_HTTP_PORT: 'off' })).toBeNull();
    expect(httpServicesPort({ ARCHITECT_HTTP_PORT: '7431' })).toBe(7431);
    expect(() => httpServicesPort({ ARCHITECT_HTTP_PORT: '70000' })).toThrow('ARCHITECT_HTTP_PORT="70000": a port is a whole number 1–65535');
    // servers.yaml's http; the variable, when set, wins over it.
    expect(httpServicesPort({}, { enabled: false, port: 7500 })).toBeNull();
    expect(httpServicesPort({}, { enabled: true, port: 7500 })).toBe(7500);
    expect(httpServicesPort({ ARCHITECT_HTTP_PORT: '7600' }, { enabled: true, port: 7500 })).toBe(7600);
    expect(httpServicesPort({ ARCHITECT_HTTP_PORT: 'off' }, { enabled: true, port: 7500 })).toBeNull();
    expect(httpServicesPort({ ARCHITECT_HTTP_PORT: '7600' }, { enabled: false, port: 7500 })).toBe(7600);
  });

  it('servers.yaml http: a port outside 1–65535 or an unknown key is refused at its position', () => {
    const bad = path.join(dir, 'bad-config');
    fs.cpSync(path.join(dir, 'config'), bad, { recursive: true });
    const file = path.join(bad, 'base', 'servers.yaml');
    fs.writeFileSync(file, 'version: "1.0"\nhttp:\n  enabled: true\n  port: 70000\n  prot: 1\n');
    const result = loadConfig({ dir: bad, env: null });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file, line: 4, col: 9, message: expect.stringContaining('a port is 1–65535') }),
        expect.objectContaining({ file, line: 5, message: expect.stringContaining('unknown key "prot"') }),
      ]),
    );
  });

  it('follow servers.yaml live: off by default, on at its port behind the same token, moved, off again', async () => {
    const servers = path.join(dir, 'config', 'base', 'servers.yaml');
    const shipped = fs.readFileSync(servers, 'utf8');
    expect(shipped).toMatch(/^http:\n {2}enabled: false\n/m);
    const kept = keepHttpServices(core, { dataDir: dir, log: silentLogger, env: {} });
    await kept.ready;
    expect(kept.current()).toBeNull();
    const version = (): string | null => (core.handlers['config.status']({}) as unknown as { version: string | null }).version;
    const setHttp = async (enabled: boolean, port: number): Promise<void> => {
      const before = version();
      fs.writeFileSync(servers, shipped.replace(/^http:\n {2}enabled: false\n {2}port: \d+\n/m, `http:\n  enabled: ${enabled}\n  port: ${port}\n`));
      await pollUntil('the new config', () => version() !== before, { limitMs: 20_000 });
      await pollUntil(`the services ${enabled ? `on ${port}` : 'off'}`, () => (enabled ? kept.current()?.server.port === port : kept.current() === null), { limitMs: 20_000 });
    };
    try {
      const first = await freePort();
      await setHttp(true, first);
      const token = fs.readFileSync(path.join(dir, 'http-token'), 'utf8').trim();
      expect(token).toBe(services.server.token);
      const get = (port: number, p: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${p}`, { headers });
      expect((await get(first, '/api/query/stats_dashboard')).status).toBe(401);
      expect((await get(first, '/api/query/stats_dashboard', { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await get(first, '/metrics', { authorization: `Bearer ${token}` })).status).toBe(200);

      const second = await freePort();
      await setHttp(true, second);
      expect((await get(second, '/api/route/rules', { authorization: `Bearer ${token}` })).status).toBe(200);
      await expect(get(first, '/metrics')).rejects.toThrow();

      await setHttp(false, second);
      await expect(get(second, '/metrics')).rejects.toThrow();
    } finally {
      await kept.stop();
      fs.writeFileSync(servers, shipped);
    }
  });

  it('serve queries, routing, metrics and workflow triggers behind the token written to the data folder', async () => {
    const token = fs.readFileSync(services.tokenFile, 'utf8').trim();
    expect(token).toBe(services.server.token);
    expect(fs.statSync(services.tokenFile).mode & 0o777).toBe(0o600);
    const base = `http://127.0.0.1:${services.server.port}`;
    const auth = { authorization: `Bearer ${token}` };
    for (const p of ['/api/query/stats_dashboard', '/api/route/rules', '/metrics']) {
      expect((await fetch(`${base}${p}`)).status, p).toBe(401);
      expect((await fetch(`${base}${p}`, { headers: auth })).status, p).toBe(200);
    }
    const started = await fetch(`${base}/api/bugs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'From a script' }) });
    expect(started.status).toBe(202);
    expect(((await started.json()) as { workflow: string }).workflow).toBe('bug_fix');
  });

  it('keep their token across restarts', async () => {
    const before = services.server.token;
    await services.stop();
    services = await startHttpServices(core, { port: 0, dataDir: dir, log: silentLogger });
    expect(services.server.token).toBe(before);
  });
});

