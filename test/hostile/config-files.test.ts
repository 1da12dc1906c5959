import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigService } from '../../src/main/config/service.js';
import { tempConfig, type TempConfig } from '../unit/config/temp-config.js';

// Config files as a careless or hostile hand leaves them: every one is a problem
// with its file and place, the last good config keeps running, nothing crashes,
// nothing is read without bound.

let cfg: TempConfig;
let service: ConfigService;
let stop: () => Promise<void>;
beforeEach(async () => {
  cfg = tempConfig();
  service = new ConfigService({ dir: cfg.dir, env: null, debounceMs: 10 });
  stop = await service.start();
});
afterEach(async () => {
  await stop();
  cfg.remove();
});

const FILE = 'base/routing_rules.yaml';

function expectRefused(match: RegExp): void {
  const good = service.snapshot()?.version;
  const result = service.reload();
  expect(result.ok).toBe(false);
  const status = service.status();
  expect(status.version).toBe(good);
  expect(status.errors.map((e) => `${e.file}: ${e.message}`).join('\n')).toMatch(match);
}

describe('hostile config files', () => {
  it('an alias bomb (billion laughs)', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    cfg.write(FILE, lines.join('\n') + '\n');
    expectRefused(/routing_rules\.yaml: .*alias/i);
  });

  it('nesting ten thousand deep', () => {
    cfg.write(FILE, '['.repeat(10_000) + ']'.repeat(10_000) + '\n');
    expectRefused(/routing_rules\.yaml: .*(deep|nest)/i);
  });

  it('maps nested a hundred deep', () => {
    cfg.write(FILE, Array.from({ length: 100 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' x\n');
    expectRefused(/routing_rules\.yaml: nested deeper than 64 levels/);
  });

  it('a file of many megabytes', () => {
    cfg.write(FILE, `# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    expectRefused(/routing_rules\.yaml: .*larger than/i);
  });

  it('binary junk and invalid UTF-8', () => {
    fs.writeFileSync(cfg.path(FILE), Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9b, 0x5b, 0x32, 0x4a, 0xc3, 0x28]));
    expectRefused(/routing_rules\.yaml: /);
  });

  it('a folder, a FIFO or a device where a file should be', () => {
    fs.rmSync(cfg.path(FILE));
    fs.mkdirSync(cfg.path(FILE));
    expectRefused(/routing_rules\.yaml: .*not a file/i);
    fs.rmdirSync(cfg.path(FILE));
    execFileSync('mkfifo', [cfg.path(FILE)]);
    expectRefused(/routing_rules\.yaml: .*not a file/i);
    fs.rmSync(cfg.path(FILE));
    fs.symlinkSync('/dev/zero', cfg.path(FILE));
    expectRefused(/routing_rules\.yaml: .*not a file/i);
  });
});
