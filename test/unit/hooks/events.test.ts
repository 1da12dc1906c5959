import { describe, expect, it } from 'vitest';
import { parseHookLine, serverFromTmuxEnv } from '../../../src/main/hooks/events.js';
import { HOOK_AGENTS, hookSnippet } from '../../../src/main/hooks/snippets.js';

const good = { at: '2026-11-25T16:50:00.000Z', agent: 'claude', state: 'working', reason: null, event: 'UserPromptSubmit', server: 'default', pane: '%12' };

describe('parseHookLine', () => {
  it('reads a well-formed line', () => {
    expect(parseHookLine(JSON.stringify(good))).toEqual(good);
  });

  it.each([
    ['not JSON', '{"at":'],
    ['a pane name instead of an id', JSON.stringify({ ...good, pane: 'dev:0.1' })],
    ['an unknown state', JSON.stringify({ ...good, state: 'busy' })],
    ['unknown is not hook news', JSON.stringify({ ...good, state: 'unknown' })],
    ['a bad time', JSON.stringify({ ...good, at: 'yesterday' })],
    ['a server name with a slash', JSON.stringify({ ...good, server: '../x' })],
    ['an array', '[1,2]'],
  ])('skips %s', (_what, line) => {
    expect(parseHookLine(line)).toBeNull();
  });

  it('drops oversized free text instead of the event', () => {
    expect(parseHookLine(JSON.stringify({ ...good, reason: 'x'.repeat(500) }))?.reason).toBeNull();
  });
});

describe('serverFromTmuxEnv', () => {
  it.each([
    ['/tmp/tmux-1000/default,4242,0', 'default'],
    ['/tmp/tmux-1000/test-sessions-1,4242,3', 'test-sessions-1'],
    ['', null],
    [undefined, null],
  ])('%s → %s', (env, server) => {
    expect(serverFromTmuxEnv(env)).toBe(server);
  });
});

describe('hook snippets', () => {
  it.each(HOOK_AGENTS.filter((a) => a !== 'codex'))('%s: valid JSON whose every hook runs architect hooks emit with a state', (agent) => {
    const snippet = hookSnippet(agent, 'architect');
    const parsed = JSON.parse(snippet.text) as { hooks: Record<string, Array<{ hooks: Array<{ type: string; command: string }> }>> };
    const commands = Object.values(parsed.hooks).flat().flatMap((g) => g.hooks);
    expect(commands.length).toBeGreaterThan(1);
    for (const c of commands) {
      expect(c.type).toBe('command');
      expect(c.command).toMatch(new RegExp(`^architect hooks emit --agent ${agent} --state (working|idle|waiting|error|exited) `));
    }
  });

  it('claude maps the DETECTION.md events', () => {
    const hooks = (JSON.parse(hookSnippet('claude', 'architect').text) as { hooks: Record<string, Array<{ matcher?: string; hooks: Array<{ command: string }> }>> }).hooks;
    const stateOf = (event: string, i = 0) => /--state (\w+)/.exec(hooks[event]![i]!.hooks[0]!.command)?.[1];
    expect([stateOf('UserPromptSubmit'), stateOf('Stop'), stateOf('Notification'), stateOf('PermissionRequest'), stateOf('SessionEnd')]).toEqual(['working', 'idle', 'waiting', 'waiting', 'exited']);
    expect(hooks.Notification!.map((g) => g.matcher)).toEqual(['permission_prompt', 'elicitation_dialog']);
  });

  it('codex notify is a TOML array of the same command', () => {
    expect(hookSnippet('codex', '/opt/architect --data-dir /d').text).toBe(
      'notify = ["/opt/architect","--data-dir","/d","hooks","emit","--agent","codex","--state","idle","--event","agent-turn-complete"]',
    );
  });
});
