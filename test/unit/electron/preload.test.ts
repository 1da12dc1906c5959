import { describe, expect, it, vi } from 'vitest';
import { commandNames } from '../../../src/shared/api.js';

// The preload runs in Electron's sandbox; here electron is mocked to capture what
// it exposes and what it sends.
const exposed: Record<string, unknown> = {};
const invoked: unknown[][] = [];
let eventListener: ((e: unknown, name: unknown, payload: unknown) => void) | null = null;

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: {
    invoke: async (channel: string, params: unknown) => {
      invoked.push([channel, params]);
      return channel.endsWith('app.info') ? { ok: true, result: { name: 'Architect' } } : { ok: false, error: { code: 'invalid_params', message: 'bad' } };
    },
    on: (_channel: string, fn: typeof eventListener) => (eventListener = fn),
  },
}));

describe('preload', () => {
  it('exposes exactly the contract: one function per command plus on()', async () => {
    await import('../../../src/preload/index.js');
    const api = exposed.architect as Record<string, Record<string, unknown>>;
    const exposedNames = Object.entries(api)
      .filter(([k]) => k !== 'on')
      .flatMap(([ns, members]) => Object.keys(members).map((m) => `${ns}.${m}`));
    expect(exposedNames.sort()).toEqual([...commandNames].sort());
    expect(typeof api.on).toBe('function');
    expect(Object.keys(api)).not.toContain('invoke');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('calls the command channel and surfaces errors as messages', async () => {
    const api = exposed.architect as { app: { info(): Promise<unknown> }; tasks: { list(p: unknown): Promise<unknown> } };
    await expect(api.app.info()).resolves.toEqual({ name: 'Architect' });
    await expect(api.tasks.list({ limit: 5 })).rejects.toThrow('bad');
    expect(invoked).toEqual([
      ['architect:app.info', {}],
      ['architect:tasks.list', { limit: 5 }],
    ]);
  });

  it('delivers contract events and ignores unknown ones', () => {
    const api = exposed.architect as { on(e: string, l: (p: unknown) => void): () => void };
    const got: unknown[] = [];
    const off = api.on('tasks.changed', (p) => got.push(p));
    eventListener!(null, 'tasks.changed', { total: 1 });
    eventListener!(null, 'evil.event', { total: 2 });
    off();
    eventListener!(null, 'tasks.changed', { total: 3 });
    expect(got).toEqual([{ total: 1 }]);
    expect(() => api.on('nope', () => undefined)).toThrow(/unknown event/);
  });
});
