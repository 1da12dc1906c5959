import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigService } from '../../../src/main/config/service.js';
import { tempConfig, type TempConfig } from '../../unit/config/temp-config.js';

// Saving from the editor (config.save) can neither break the running config nor the
// next start, nor overwrite a change made meanwhile on disk.

let cfg: TempConfig;
let lastGood: string;
const running: Array<() => Promise<void>> = [];

async function startService(): Promise<ConfigService> {
  const service = new ConfigService({ dir: cfg.dir, env: null, lastGoodDir: lastGood });
  running.push(await service.start());
  return service;
}

beforeEach(() => {
  cfg = tempConfig();
  lastGood = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-last-good-'));
});
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
  cfg.remove();
  fs.rmSync(lastGood, { recursive: true, force: true });
});

describe('saving config files', () => {
  it('refuses a base file that is not one of the config files, and later saves still work', async () => {
    const service = await startService();
    expect(() => service.saveFile('base/evil.yaml', 'anything: 1\n')).toThrow(/base\/evil\.yaml: only base\/FILE\.yaml \(FILE one of .*routing_rules/);
    expect(fs.existsSync(cfg.path('base/evil.yaml'))).toBe(false);
    const text = cfg.read('base/routing_rules.yaml').replace('priority: 9', 'priority: 8');
    expect(service.saveFile('base/routing_rules.yaml', text)).toMatchObject({ saved: true, problems: [] });
    expect(service.status().ok).toBe(true);
  });

  it('does not overwrite a file changed on disk since the editor read it', async () => {
    const service = await startService();
    const read = service.readFile('base/routing_rules.yaml');
    expect(read.hash).toMatch(/^[0-9a-f]{16,}$/);
    cfg.edit('base/routing_rules.yaml', 'priority: 9', 'priority: 7'); // someone else's edit
    const mine = read.text.replace('priority: 9', 'priority: 8');
    expect(() => service.saveFile('base/routing_rules.yaml', mine, { expectedHash: read.hash })).toThrow(/changed on disk since it was read/);
    expect(cfg.read('base/routing_rules.yaml')).toContain('priority: 7');
    // Read again: the save goes through.
    const again = service.readFile('base/routing_rules.yaml');
    expect(service.saveFile('base/routing_rules.yaml', again.text.replace('priority: 7', 'priority: 8'), { expectedHash: again.hash }).saved).toBe(true);
  });

  it('a file that did not exist and now does is a conflict too', async () => {
    const service = await startService();
    const read = service.readFile('local/overrides.yaml');
    expect(read.hash).toBeNull();
    cfg.write('local/overrides.yaml', 'routing_rules: {}\n');
    expect(() => service.saveFile('local/overrides.yaml', 'sla_rules: {}\n', { expectedHash: null })).toThrow(/changed on disk/);
  });

  it('a forced save of a broken file: the next start runs the last good config and shows the problems', async () => {
    const first = await startService();
    const good = first.snapshot()?.version;
    const broken = cfg.read('base/routing_rules.yaml').replace('priority: 9', 'priority: high');
    expect(first.saveFile('base/routing_rules.yaml', broken, { force: true }).saved).toBe(true);
    await running.pop()!();

    const second = await startService();
    expect(second.snapshot()?.version).toBe(good);
    const status = second.status();
    expect(status.ok).toBe(false);
    expect(status.errors[0]?.file).toBe(cfg.path('base/routing_rules.yaml'));
    expect(status.errors[0]?.message).toMatch(/priority/);
  });
});
