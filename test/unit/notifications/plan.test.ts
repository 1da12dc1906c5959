import { describe, expect, it } from 'vitest';
import { NotificationsFile } from '../../../src/main/config/schemas/notifications.js';
import { globToRegExp, planDeliveries, SLA_RULE, type DeliveryHistory, type EventFacts } from '../../../src/main/notifications/plan.js';

/** Sends recorded in memory, as the outbox's table would count them. */
class Sent implements DeliveryHistory {
  readonly rows: Array<{ rule: string; subject: string; channel: string; event: number; atMs: number }> = [];
  add(rule: string, subject: string, channel: string, at: Date, event = this.rows.length): void {
    this.rows.push({ rule, subject, channel, event, atMs: at.getTime() });
  }
  sentForSubject(rule: string, subject: string, since: Date): boolean {
    return this.rows.some((r) => r.rule === rule && r.subject === subject && r.atMs >= since.getTime());
  }
  sentByRule(rule: string, since: Date, atMost: number): number {
    return Math.min(atMost, new Set(this.rows.filter((r) => r.rule === rule && r.atMs >= since.getTime()).map((r) => r.event)).size);
  }
  sentOnChannel(channel: string, since: Date, atMost: number): number {
    return Math.min(atMost, this.rows.filter((r) => r.channel === channel && r.atMs >= since.getTime()).length);
  }
}

const FILE = NotificationsFile.parse({
  version: '1.0',
  channels: {
    ops: { type: 'webhook', url: 'https://example.invalid/hook' },
    phone: { type: 'webhook', url: 'https://ntfy.sh/t', format: 'ntfy', rate_limit: { count: 2, per_minutes: 10 } },
  },
  rules: [
    { name: 'approvals', on: ['agent_waiting'], channels: ['ops', 'desktop'], sessions: ['dev_*'], reasons: ['approval', 'question'] },
    { name: 'deploys', on: ['task_failed', 'task_completed'], channels: ['phone'], task_types: ['deploy'], projects: ['shop'] },
    { name: 'night', on: ['agent_error'], channels: ['phone'], agents: ['claude'], dedupe_minutes: 10, rate_limit: { count: 3, per_minutes: 60 } },
    { on: ['agent_waiting'], channels: ['ops'] },
  ],
});

const facts = (over: Partial<EventFacts>): EventFacts => ({
  event: 'agent_waiting',
  subject: 'agent_waiting:default:%1',
  session: 'dev_worker1',
  agent: 'claude',
  taskType: null,
  project: null,
  reason: 'approval',
  ...over,
});
const NOW = new Date('2026-03-02T12:00:00Z');
const plan = (f: EventFacts, history = new Sent(), file = FILE, extra?: string[]) => planDeliveries({ facts: f, file, history, now: NOW, extra });

describe('planDeliveries', () => {
  it('filters by session pattern, reason, agent, task type and project; a channel gets one delivery', () => {
    expect(plan(facts({}))).toEqual([
      { channel: 'ops', rule: 'approvals', status: 'pending', detail: null },
      { channel: 'desktop', rule: 'approvals', status: 'pending', detail: null },
    ]);
    // Not a dev_ session: only the catch-all rule, named by its position.
    expect(plan(facts({ session: 'prod_1' }))).toEqual([{ channel: 'ops', rule: 'rules[3]', status: 'pending', detail: null }]);
    expect(plan(facts({ reason: 'trust' })).map((d) => d.rule)).toEqual(['rules[3]']);
    const task = { event: 'task_failed' as const, subject: 'task_failed:7', session: null, agent: null, reason: null };
    expect(plan(facts({ ...task, taskType: 'deploy', project: 'shop' })).map((d) => d.channel)).toEqual(['phone']);
    expect(plan(facts({ ...task, taskType: 'deploy', project: 'blog' }))).toEqual([]);
    // A filter on a fact the event lacks never matches.
    expect(plan(facts({ ...task, taskType: null, project: 'shop' }))).toEqual([]);
    expect(plan(facts({ event: 'agent_error', agent: 'codex' }))).toEqual([]);
  });

  it('dedupe_minutes suppresses the same subject within the window, not after it', () => {
    const sent = new Sent();
    const f = facts({ event: 'agent_error', subject: 'agent_error:default:%1' });
    sent.add('night', f.subject, 'phone', new Date(NOW.getTime() - 5 * 60_000));
    expect(plan(f, sent)).toEqual([{ channel: 'phone', rule: 'night', status: 'suppressed', detail: expect.stringContaining('dedupe_minutes') }]);
    expect(plan({ ...f, subject: 'agent_error:default:%2' }, sent)[0]!.status).toBe('pending');
    const older = new Sent();
    older.add('night', f.subject, 'phone', new Date(NOW.getTime() - 11 * 60_000));
    expect(plan(f, older)[0]!.status).toBe('pending');
  });

  it('a rule rate limit counts events in the window; a channel rate limit counts deliveries from any rule', () => {
    const sent = new Sent();
    for (let i = 0; i < 3; i++) sent.add('night', `agent_error:s${i}`, 'phone', new Date(NOW.getTime() - i * 60_000));
    expect(plan(facts({ event: 'agent_error', subject: 'agent_error:x' }), sent)[0]).toMatchObject({ status: 'suppressed', detail: 'rule rate limit: 3 per 60 min' });

    const channel = new Sent();
    channel.add('other', 'a', 'phone', NOW);
    channel.add('other', 'b', 'phone', NOW);
    const f = facts({ event: 'task_completed', subject: 'task_completed:1', session: null, agent: null, reason: null, taskType: 'deploy', project: 'shop' });
    expect(plan(f, channel)[0]).toMatchObject({ status: 'suppressed', detail: 'channel rate limit: 2 per 10 min' });
  });

  it('quiet hours suppress (over midnight, in the rule\'s zone) unless the event is excepted or the rule ignores them', () => {
    const quiet = NotificationsFile.parse({
      version: '1',
      quiet_hours: { from: '22:00', to: '07:00', timezone: 'UTC', except: ['agent_exited_mid_task'] },
      rules: [
        { on: ['agent_waiting', 'agent_exited_mid_task'], channels: ['desktop'] },
        { name: 'pager', on: ['agent_waiting'], channels: ['log'], ignore_quiet_hours: true },
      ],
    });
    const at = (iso: string, f: EventFacts) => planDeliveries({ facts: f, file: quiet, history: new Sent(), now: new Date(iso) });
    expect(at('2026-03-02T23:30:00Z', facts({})).map((d) => [d.channel, d.status])).toEqual([
      ['desktop', 'suppressed'],
      ['log', 'pending'],
    ]);
    expect(at('2026-03-03T06:59:00Z', facts({}))[0]!.status).toBe('suppressed');
    expect(at('2026-03-03T07:00:00Z', facts({}))[0]!.status).toBe('pending');
    expect(at('2026-03-02T23:30:00Z', facts({ event: 'agent_exited_mid_task' }))[0]!.status).toBe('pending');
  });

  it('the desktop and the log have a rate limit of their own unless one is declared', () => {
    const sent = new Sent();
    for (let i = 0; i < 6; i++) sent.add('x', `s${i}`, 'desktop', NOW);
    const noDeclared = NotificationsFile.parse({ version: '1', rules: [{ on: ['agent_waiting'], channels: ['desktop', 'dashboard'] }] });
    expect(plan(facts({}), sent, noDeclared).map((d) => [d.channel, d.status])).toEqual([
      ['desktop', 'suppressed'],
      ['dashboard', 'pending'],
    ]);
    const generous = NotificationsFile.parse({ version: '1', channels: { desktop: { type: 'desktop', rate_limit: { count: 100, per_minutes: 1 } } }, rules: [{ on: ['agent_waiting'], channels: ['desktop'] }] });
    expect(plan(facts({}), sent, generous)[0]!.status).toBe('pending');
  });

  it("an SLA escalation's own channels come first, under their own rule name", () => {
    const f = facts({ event: 'sla_critical', subject: 'sla_critical:4', session: null, agent: null, reason: 'critical' });
    expect(plan(f, new Sent(), FILE, ['dashboard', 'log'])).toEqual([
      { channel: 'dashboard', rule: SLA_RULE, status: 'pending', detail: null },
      { channel: 'log', rule: SLA_RULE, status: 'pending', detail: null },
    ]);
  });

  it('globs are anchored, with * and ? only', () => {
    expect(globToRegExp('dev_*').test('dev_worker1')).toBe(true);
    expect(globToRegExp('dev_*').test('xdev_worker1')).toBe(false);
    expect(globToRegExp('w?').test('w1')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});
