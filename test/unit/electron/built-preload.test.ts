import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNames } from '../../../src/shared/api.js';

// The preload as the desktop app ships it: built by the project's own electron-vite
// config, then run the way Electron runs a preload in a sandboxed window — where
// `require` knows `electron` and nothing else (no node_modules, no Node builtins).
// A preload that needs anything more leaves the window without `window.architect`.

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
let outDir: string;
let built: string;

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-preload-'));
  const { resolveConfig } = await import('electron-vite');
  const { build } = await import('vite');
  const resolved = await resolveConfig({ configFile: path.join(ROOT, 'electron.vite.config.ts'), root: ROOT, build: { outDir }, logLevel: 'silent' }, 'build', 'production');
  const preload = resolved.config?.preload;
  if (!preload) throw new Error('electron.vite.config.ts has no preload build');
  await build(preload);
  const files = fs.readdirSync(path.join(outDir, 'preload'));
  built = path.join(outDir, 'preload', files.find((f) => f.endsWith('.cjs')) ?? files[0]!);
}, 120_000);
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/** Runs the built file in a fresh context whose require only knows a fake `electron`. */
function runSandboxed(code: string) {
  const exposed: Record<string, unknown> = {};
  const invoked: Array<[string, unknown]> = [];
  const required: string[] = [];
  let onEvent: ((e: unknown, name: unknown, payload: unknown) => void) | null = null;
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => void (exposed[key] = value) },
    ipcRenderer: {
      invoke: async (channel: string, params: unknown) => {
        invoked.push([channel, params]);
        return { ok: true, result: { channel } };
      },
      on: (_channel: string, fn: typeof onEvent) => void (onEvent = fn),
    },
  };
  const sandboxRequire = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name} (a sandboxed preload can require "electron" only)`);
  };
  const context = vm.createContext({ console, setTimeout, clearTimeout, queueMicrotask, Promise });
  const module = { exports: {} as unknown };
  const wrapper = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, context, { filename: built }) as (...args: unknown[]) => void;
  wrapper(module.exports, sandboxRequire, module, built, path.dirname(built));
  return { exposed, invoked, required, emit: (name: string, payload: unknown) => onEvent?.(null, name, payload) };
}

describe('the built preload in a sandbox', () => {
  it('requires electron and nothing else', () => {
    const code = fs.readFileSync(built, 'utf8');
    const requires = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect([...new Set(requires)]).toEqual(['electron']);
  });

  it('loads, and exposes window.architect: every command, and events', async () => {
    const { exposed, invoked, required, emit } = runSandboxed(fs.readFileSync(built, 'utf8'));
    expect(required).toEqual(['electron']);
    const api = exposed.architect as Record<string, Record<string, (p?: unknown) => Promise<unknown>>> & { on(e: string, l: (p: unknown) => void): () => void };
    const names = Object.entries(api)
      .filter(([k]) => k !== 'on')
      .flatMap(([ns, members]) => Object.keys(members).map((m) => `${ns}.${m}`));
    expect(names.sort()).toEqual([...commandNames].sort());
    await expect(api.app!.info!()).resolves.toEqual({ channel: 'architect:app.info' });
    expect(invoked).toEqual([['architect:app.info', {}]]);
    const got: unknown[] = [];
    api.on('tasks.changed', (p) => got.push(p));
    emit('tasks.changed', { total: 3 });
    emit('not.an.event', { total: 4 });
    expect(got).toEqual([{ total: 3 }]);
  });
});
