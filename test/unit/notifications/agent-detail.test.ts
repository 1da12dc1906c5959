import { describe, expect, it } from 'vitest';
import { describeAgentEvent, LIMIT_REASONS } from '../../../src/main/notifications/event.js';

// agent_error / agent_limit say what the agent printed and when a limit resets
// (Session.detail), not only the reason word.
describe('agent events carry the structured reason', () => {
  const base = { id: 'default:%3', name: 'worker1', agent: 'claude' };

  it('an error names its message', () => {
    const d = describeAgentEvent('agent_error', { ...base, state: 'error', reason: 'billing', message: 'Credit balance too low · Add funds: https://platform.claude.com/settings/billing' }, {});
    expect(d.title).toBe('worker1 stopped on an error');
    expect(d.message).toBe('worker1 (claude) stopped on an error (billing): Credit balance too low · Add funds: https://platform.claude.com/settings/billing');
  });

  it('a limit names its reset time and notice', () => {
    expect(LIMIT_REASONS.has('limit')).toBe(true);
    const d = describeAgentEvent('agent_limit', { ...base, state: 'error', reason: 'limit', message: "You've hit your session limit · resets 7:20pm (UTC)", resetAt: '2026-12-06T19:20:00.000Z' }, {});
    expect(d.title).toBe('worker1 hit a limit until 19:20 UTC');
    expect(d.message).toBe("worker1 (claude) hit a usage or rate limit; it resets at 2026-12-06 19:20 UTC: You've hit your session limit · resets 7:20pm (UTC)");
  });

  it('without a detail the words stay as before', () => {
    expect(describeAgentEvent('agent_limit', { ...base, state: 'error', reason: 'limit' }, {}).message).toBe('worker1 (claude) hit a usage or rate limit');
  });
});
