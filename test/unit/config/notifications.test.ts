import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/load.js';
import { positionOf, tempConfig, type TempConfig } from './temp-config.js';

// notifications.yaml in the whole config: shipped file valid, optional, layered, and
// every mistake reported at its position (the same checks `architect config check` runs).

const SHIPPED = path.resolve(import.meta.dirname, '../../../config/base/notifications.yaml');
const N = 'base/notifications.yaml';
const S = 'base/sla_rules.yaml';

let cfg: TempConfig;
beforeEach(() => {
  cfg = tempConfig();
  cfg.write(N, fs.readFileSync(SHIPPED, 'utf8'));
});
afterEach(() => cfg.remove());

const problems = () => {
  const r = loadConfig({ dir: cfg.dir, env: null });
  return r.ok ? [] : r.problems.map((p) => ({ file: path.relative(cfg.dir, p.file), line: p.line, col: p.col, message: p.message }));
};

describe('notifications.yaml', () => {
  it('the shipped file loads; without it there are no rules', () => {
    const r = loadConfig({ dir: cfg.dir, env: null });
    expect(r.ok && r.snapshot.notifications).toMatchObject({ settle_seconds: 0.5, rules: [{ name: 'needs_you', channels: ['desktop'] }] });
    fs.rmSync(cfg.path(N));
    const bare = loadConfig({ dir: cfg.dir, env: null });
    expect(bare.ok && bare.snapshot.notifications).toEqual({ version: '1.0', settle_seconds: 0.5, channels: {}, rules: [] });
  });

  it('an unknown channel in a rule or an SLA escalation is reported where it is written, with a suggestion', () => {
    cfg.edit(N, 'channels: [desktop]', 'channels: [dekstop]');
    cfg.edit(S, 'notification_channels: ["dashboard", "log"]', 'notification_channels: ["dashboard", "ops"]');
    expect(problems()).toEqual([
      { file: N, ...positionOf(cfg.read(N), 'dekstop'), message: 'no channel "dekstop" (did you mean "desktop"?); channels are dashboard, desktop, log (declare others under channels: in notifications.yaml)' },
      { file: S, ...positionOf(cfg.read(S), '"ops"'), message: 'no channel "ops"; channels are dashboard, desktop, log (declare others under channels: in notifications.yaml)' },
    ]);
  });

  it('a declared channel may be named in sla_rules.yaml; the fixed built-ins are not redeclared; desktop stays a desktop', () => {
    cfg.edit(N, 'channels:\n', 'channels:\n  ops: { type: webhook, url: "https://example.invalid/hook" }\n  log: { type: desktop }\n');
    cfg.edit(N, '  desktop: { type: desktop, rate_limit: { count: 6, per_minutes: 1 } }', '  desktop: { type: command, command: [notify-send] }');
    cfg.edit(S, 'notification_channels: ["dashboard", "log"]', 'notification_channels: ["dashboard", "ops"]');
    expect(problems().map((p) => p.message)).toEqual([
      '"log" is a built-in channel and cannot be redeclared; pick another name',
      'the channel named "desktop" is the desktop (type: desktop); name a command channel something else',
    ]);
  });

  it('bad values say what and where', () => {
    cfg.edit(N, 'settle_seconds: 0.5', 'settle_seconds: 120');
    cfg.edit(N, '    dedupe_minutes: 1', '    dedupe_minutes: 1\n    quiet_hours: { from: "7pm", to: "07:00" }\n    sessions: dev_*');
    const messages = problems().map((p) => `${p.line}: ${p.message}`);
    expect(messages).toHaveLength(3);
    expect(messages.join('\n')).toMatch(/settle_seconds/);
    expect(messages.join('\n')).toMatch(/a time of day is HH:MM \(24 h\)/);
    expect(messages.join('\n')).toMatch(/sessions/);
  });

  it('a command channel with a NUL byte in an argument or an environment value is refused where it is written', () => {
    cfg.edit(N, 'channels:\n', 'channels:\n  page: { type: command, command: [notify, "a\\0b"] }\n');
    expect(problems()).toMatchObject([{ file: N, message: 'channels.page.command[1]: a NUL byte (\\0) cannot be passed to a program' }]);
    cfg.edit(N, 'command: [notify, "a\\0b"]', 'command: [notify], env: { TOKEN: "x\\0y" }');
    expect(problems()).toMatchObject([{ file: N, message: 'channels.page.env.TOKEN: a NUL byte (\\0) cannot be passed to a program' }]);
  });

  it('environments and local overrides layer over it', () => {
    cfg.write('local/overrides.yaml', 'notifications:\n  settle_seconds: 2\n  quiet_hours: { from: "22:00", to: "07:00" }\n');
    const r = loadConfig({ dir: cfg.dir, env: null });
    expect(r.ok && r.snapshot.notifications).toMatchObject({ settle_seconds: 2, quiet_hours: { from: '22:00', to: '07:00' }, rules: [{ name: 'needs_you' }] });
  });

  it('agents.yaml dialogs: keys are tmux key names, options need their groups', () => {
    const agents = fs.readFileSync(path.resolve(import.meta.dirname, '../../../config/base/agents.yaml'), 'utf8');
    const edited = agents
      .replace('      - id: claude-permission\n        kind: approval\n', () => "      - id: claude-permission\n        kind: approval\n        option: '^(\\d)\\. (.*)$'\n")
      .replace("keys: ['{n}']", () => "keys: ['{n}', 'rm -rf /']");
    cfg.write('base/agents.yaml', edited);
    const messages = problems().map((p) => p.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('option needs the named groups'), expect.stringContaining('a key is {n}, one letter or digit')]));
  });
});
