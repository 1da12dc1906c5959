import { describe, expect, it } from 'vitest';
import type { AttentionEvent } from '../../../src/main/notifications/event.js';
import { genericBody, linkTo, ntfyRequest, slackBody } from '../../../src/main/notifications/formats.js';
import { expandEnv } from '../../../src/main/notifications/senders.js';

const EVENT: AttentionEvent = {
  event: 'agent_waiting',
  key: 'agent_waiting:default:%3:1',
  subject: 'agent_waiting:default:%3',
  at: '2026-03-02T12:00:00.000Z',
  level: 'warning',
  title: 'dev_worker1 waits for approval',
  message: 'dev_worker1 (claude) waits for approval on task #4 "Fix <login>": Do you want to proceed?',
  session: { id: 'default:%3', name: 'dev_worker1', agent: 'claude', state: 'waiting', reason: 'approval' },
  task: { id: 4, title: 'Fix <login>', type: 'bug_fix', project: 'shop' },
  dialog: { kind: 'approval', question: 'Do you want to proceed?', options: ['Yes', 'No'] },
  reason: 'approval',
  project: 'shop',
};

describe('notification formats', () => {
  it('links to the session page of the console (the same hash route the UI uses)', () => {
    expect(linkTo(EVENT, 'http://127.0.0.1:7420/')).toBe('http://127.0.0.1:7420/#/sessions/default%3A%253');
    expect(linkTo({ ...EVENT, session: null }, 'https://box.example')).toBe('https://box.example/#/tasks/4');
    expect(linkTo(EVENT, null)).toBeNull();
  });

  it('generic: one flat object with event, session, agent, state, reason, task, time and link', () => {
    expect(genericBody(EVENT, 'L')).toMatchObject({
      event: 'agent_waiting', session: 'dev_worker1', session_id: 'default:%3', agent: 'claude', state: 'waiting', reason: 'approval',
      task_id: 4, task_title: 'Fix <login>', task_type: 'bug_fix', project: 'shop', time: EVENT.at, link: 'L',
      question: 'Do you want to proceed?', options: ['Yes', 'No'], test: false,
    });
  });

  it('slack: mrkdwn text with its specials escaped and the link as "Open in Architect"', () => {
    const { text } = slackBody(EVENT, 'http://x/#/sessions/a');
    expect(text).toContain('*dev_worker1 waits for approval*');
    expect(text).toContain('Fix &lt;login&gt;');
    expect(text).toContain('1. Yes   2. No');
    expect(text.endsWith('<http://x/#/sessions/a|Open in Architect>')).toBe(true);
  });

  it('ntfy: JSON published to the server root with the topic, title, priority, tags and click URL', () => {
    expect(ntfyRequest('https://ntfy.sh/my-topic', EVENT, 'http://x', {})).toEqual({
      url: 'https://ntfy.sh/',
      body: { topic: 'my-topic', title: EVENT.title, message: `${EVENT.message}\n1. Yes  2. No`, priority: 4, tags: ['warning', 'agent_waiting'], click: 'http://x' },
    });
    const self = ntfyRequest('https://push.example/ntfy/ops', { ...EVENT, dialog: null, level: 'critical' }, null, { priority: 'low', tags: ['robot'] });
    expect(self.url).toBe('https://push.example/ntfy/');
    expect(self.body).toMatchObject({ topic: 'ops', priority: 2, tags: ['rotating_light', 'agent_waiting', 'robot'] });
    expect(self.body).not.toHaveProperty('click');
    expect(() => ntfyRequest('https://ntfy.sh/', EVENT, null, {})).toThrow(/ends with the topic/);
  });

  it('fills ${VAR} from the environment and names a missing one', () => {
    expect(expandEnv('https://hooks.slack.com/${HOOK}', { HOOK: 'T/B/x' })).toBe('https://hooks.slack.com/T/B/x');
    expect(() => expandEnv('${NOPE}', {})).toThrow('environment variable NOPE is not set');
  });
});
