// The sample event `architect notify test CHANNEL` and the console's "Send test" send:
// an agent waiting on an approval, marked as a test so receivers can tell.
import type { AttentionEvent } from './event.js';

export function sampleEvent(channel: string, now: Date): AttentionEvent {
  const session = { id: 'test:%0', name: 'example_session', agent: 'claude', state: 'waiting' as const, reason: 'approval' };
  return {
    event: 'agent_waiting',
    key: `test:${channel}:${now.getTime()}:${Math.random().toString(36).slice(2, 8)}`,
    subject: `test:${channel}`,
    at: now.toISOString(),
    level: 'warning',
    title: `Test from Architect: ${session.name} waits for approval`,
    message: `A test of the "${channel}" channel: this is what an agent waiting on an approval looks like.`,
    session,
    task: { id: 0, title: 'an example task', type: 'example', project: null },
    dialog: { kind: 'approval', question: 'Do you want to proceed?', options: ['Yes', 'No'] },
    reason: 'approval',
    project: null,
    test: true,
  };
}
