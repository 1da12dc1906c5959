import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AgentsFile } from '../../../src/main/config/schemas/agents.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { agentsForProvider, expandProviders } from '../../../src/main/routing/providers.js';
import { route } from '../../../src/main/routing/route.js';

// agents.yaml's `provider:` is read by routing: a provider in supported_providers
// stands for the agents that name it (anthropic → claude).

const agents = AgentsFile.parse(parse(fs.readFileSync(path.resolve('config/base/agents.yaml'), 'utf8')));

describe('supported_providers by provider', () => {
  it('a provider stands for its agents; an agent name for itself', () => {
    expect(agentsForProvider('anthropic', agents)).toEqual(['claude']);
    expect(agentsForProvider('codex', agents)).toEqual(['codex']);
    expect(agentsForProvider('anything', null)).toEqual(['anything']);
  });

  it('routes a task to a claude session when only "anthropic" is supported, and not to codex', () => {
    const rules = RoutingFile.parse({ version: '1', environment_routing: { bug_fix: { preferred_sessions: ['codex1', 'claude1'] } }, supported_providers: ['anthropic'] });
    const expanded = expandProviders(rules, agents);
    expect(expanded.supported_providers).toEqual(['claude']);
    const sessions = [
      { name: 'codex1', agent: 'codex', state: 'idle' as const, currentTaskId: null },
      { name: 'claude1', agent: 'claude', state: 'idle' as const, currentTaskId: null },
    ];
    const task = { id: 1, type: 'bug_fix', priority: 5, createdAt: new Date(0).toISOString() };
    const [decision] = route({ tasks: [task], sessions, rules: expanded, now: new Date() }).decisions;
    expect(decision).toMatchObject({ kind: 'assigned', session: 'claude1' });
    // Without reading provider:, "anthropic" matches no session at all.
    expect(route({ tasks: [task], sessions, rules, now: new Date() }).decisions[0]).toMatchObject({ kind: 'queued' });
  });
});
