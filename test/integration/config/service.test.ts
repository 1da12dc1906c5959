import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigService } from '../../../src/main/config/service.js';
import type { ConfigSnapshot } from '../../../src/main/config/snapshot.js';
import { EventBus } from '../../../src/main/events/bus.js';
import type { ConfigStatus } from '../../../src/shared/api.js';
import { tempConfig, type TempConfig } from '../../unit/config/temp-config.js';

let cfg: TempConfig;
let service: ConfigService;
let stop: () => Promise<void>;
let statuses: ConfigStatus[];

beforeEach(async () => {
  cfg = tempConfig();
  const bus = new EventBus();
  statuses = [];
  bus.on('config.changed', (s) => statuses.push(s));
  service = new ConfigService({ dir: cfg.dir, env: null, bus });
  stop = await service.start();
});
afterEach(async () => {
  await stop();
  cfg.remove();
});

/** Resolves with the next snapshot delivered to subscribers. */
function nextSnapshot(): Promise<ConfigSnapshot> {
  return new Promise((resolve) => {
    const off = service.subscribe((s) => {
      off();
      resolve(s);
    });
  });
}
/** Resolves when a load attempt is reported with errors. */
function nextErrors(): Promise<ConfigStatus> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const last = statuses[statuses.length - 1];
      if (last && last.errors.length > 0) {
        clearInterval(timer);
        resolve(last);
      }
    }, 10);
  });
}

describe('ConfigService: live reload', () => {
  it('starts with the shipped config', () => {
    const s = service.status();
    expect(s).toMatchObject({ ok: true, errors: [] });
    expect(s.version).toBe(service.snapshot()?.version);
  });

  it('a routing rule changed on disk takes effect without restart', async () => {
    const before = service.snapshot();
    const next = nextSnapshot();
    cfg.edit('base/routing_rules.yaml', 'preferred_sessions: ["dev_worker2", "codex"]', 'preferred_sessions: ["codex"]');
    const s = await next;
    expect(s.routing.environment_routing.bug_fix?.preferred_sessions).toEqual(['codex']);
    expect(s.version).not.toBe(before?.version);
    expect(service.snapshot()).toBe(s);
  });

  it('an invalid change keeps the last good snapshot and shows the errors until fixed', async () => {
    const good = service.snapshot();
    const errors = nextErrors();
    cfg.edit('base/routing_rules.yaml', 'priority: 9', 'priority: high');
    const status = await errors;
    expect(status.ok).toBe(false);
    expect(status.version).toBe(good?.version);
    expect(status.errors[0]).toMatchObject({ file: cfg.path('base/routing_rules.yaml'), message: expect.stringContaining('bug_fix.priority') });
    expect(service.snapshot()).toBe(good);
    const fixed = nextSnapshot();
    cfg.edit('base/routing_rules.yaml', 'priority: high', 'priority: 8');
    expect((await fixed).routing.environment_routing.bug_fix?.priority).toBe(8);
    expect(service.status()).toMatchObject({ ok: true, errors: [] });
  });

  it('picks up a rename-style save (write elsewhere, rename over)', async () => {
    const next = nextSnapshot();
    const text = cfg.read('base/sla_rules.yaml').replace('target_minutes: 5', 'target_minutes: 7');
    const temp = cfg.path('base/sla_rules.yaml~');
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, cfg.path('base/sla_rules.yaml'));
    expect((await next).sla.sla_targets.shell?.target_minutes).toBe(7);
  });

  it('a deleted file is an error, not an empty config', async () => {
    const good = service.snapshot();
    const errors = nextErrors();
    fs.rmSync(cfg.path('base/workflows.yaml'));
    const status = await errors;
    expect(status.errors[0]?.message).toContain('missing base/workflows.yaml');
    expect(service.snapshot()).toBe(good);
  });

  it('subscribers get the new snapshot in the tick it is swapped in', () => {
    let seen: string | null = null;
    service.subscribe((s) => {
      seen = s.version;
    });
    const text = cfg.read('base/sla_rules.yaml').replace('target_minutes: 5', 'target_minutes: 8');
    const result = service.saveFile('base/sla_rules.yaml', text);
    expect(result).toEqual({ saved: true, problems: [], hash: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(seen).toBe(service.snapshot()?.version);
    expect(service.snapshot()?.sla.sla_targets.shell?.target_minutes).toBe(8);
  });
});

describe('ConfigService: editing', () => {
  it('lists the editable files with their layer', () => {
    expect(service.listFiles()).toContainEqual({ path: 'base/routing_rules.yaml', layer: 'base', exists: true });
    expect(service.listFiles()).toContainEqual({ path: 'local/overrides.yaml', layer: 'local', exists: false });
  });

  it('validates a draft as if it were saved, without writing it', () => {
    const draft = 'routing_rules:\n  excluded_sessions: [dev_worker1]\n';
    const problems = service.validateDraft('local/overrides.yaml', draft);
    expect(problems.map((p) => p.message)).toContain('default_session "dev_worker1" is in excluded_sessions, so unknown task types could never be routed');
    expect(fs.existsSync(cfg.path('local/overrides.yaml'))).toBe(false);
  });

  it('refuses an invalid save unless forced, then writes atomically', () => {
    const before = cfg.read('base/sla_rules.yaml');
    const bad = before.replace('target_minutes: 5', 'target_minutes: -5');
    const refused = service.saveFile('base/sla_rules.yaml', bad);
    expect(refused.saved).toBe(false);
    expect(refused.problems[0]?.message).toContain('sla_targets.shell.target_minutes');
    expect(cfg.read('base/sla_rules.yaml')).toBe(before);
    const good = service.snapshot();
    const forced = service.saveFile('base/sla_rules.yaml', bad, { force: true });
    expect(forced.saved).toBe(true);
    expect(cfg.read('base/sla_rules.yaml')).toBe(bad);
    expect(service.snapshot()).toBe(good);
    expect(service.readFile('base/sla_rules.yaml').problems).toHaveLength(1);
    expect(fs.readdirSync(cfg.path('base')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    ['../outside.yaml', '".." is not allowed'],
    ['base/../../x.yaml', '".." is not allowed'],
    ['/etc/passwd', 'not an absolute path'],
    ['schema/sla_rules.schema.json', 'environments/NAME.yaml and local/overrides.yaml can be edited'],
    ['local/other.yaml', 'can be edited'],
  ])('refuses to touch %s', (rel, message) => {
    expect(() => service.saveFile(rel, 'x: 1\n', { force: true })).toThrow(message);
    expect(() => service.readFile(rel)).toThrow(message);
  });
});
