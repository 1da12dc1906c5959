import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { httpServicesPort, startHttpServices, type HttpServices } from '../../../src/main/web/services.js';

// The desktop app's HTTP services, run the way Electron's main process runs them
// (startHttpServices on a started core; Electron itself cannot run here): off unless a
// port is chosen, behind a token kept in the data folder, the same routes as `serve`.

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
