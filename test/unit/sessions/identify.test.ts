import { describe, expect, it } from 'vitest';
import { AgentsFile } from '../../../src/main/config/schemas/agents.js';
import { identifyAgent, type ProcessFacts } from '../../../src/main/sessions/identify.js';
import { spawn } from 'node:child_process';
import { parseStat, processTable, readProcessTable, readProcessTableAsync, treeKey } from '../../../src/main/sessions/process-tree.js';
import { baseManifests } from './screens.js';

const manifests = baseManifests();
const proc = (comm: string, argv: string[], foreground = true, pid = 100): ProcessFacts => ({ pid, comm, argv, foreground });

describe('identifyAgent', () => {
  const cases: Array<[string, ProcessFacts[], string]> = [
    ['claude binary', [proc('bash', ['-bash'], false, 1), proc('claude', ['claude'])], 'claude'],
    ['claude through node', [proc('node', ['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js'])], 'claude'],
    ['gemini script run by node with flags', [proc('node', ['/usr/bin/node', '--no-warnings=DEP0040', '/usr/local/bin/gemini'])], 'gemini'],
    ['codex native binary', [proc('codex', ['/usr/lib/node_modules/@openai/codex/bin/codex-x86_64', 'resume'])], 'codex'],
    ['aider under python3.12', [proc('aider', ['/usr/bin/python3.12', '/home/u/.local/bin/aider', '--model', 'x'])], 'aider'],
    ['ollama run', [proc('ollama', ['ollama', 'run', 'llama3'])], 'ollama'],
    ['ollama serve is not an agent', [proc('ollama', ['/usr/local/bin/ollama', 'serve'])], 'other'],
    ['a sh script named like the agent', [proc('codex', ['/bin/sh', '/tmp/fake/codex'])], 'codex'],
    ['login shell at its prompt', [proc('bash', ['-bash'])], 'shell'],
    ['zsh at its prompt', [proc('zsh', ['/usr/bin/zsh'])], 'shell'],
    ['vim in a shell', [proc('bash', ['bash'], false, 1), proc('vim', ['vim', 'notes.md'])], 'other'],
    ['a shell whose session name says claude but runs nothing', [proc('bash', ['bash'])], 'shell'],
    ['grep for claude is not claude', [proc('bash', ['bash'], false, 1), proc('grep', ['grep', 'claude', 'log.txt'])], 'other'],
    ['no processes', [], 'other'],
  ];
  it.each(cases)('%s', (_name, processes, agent) => {
    expect(identifyAgent(processes, manifests).agent).toBe(agent);
  });

  it('prefers the foreground agent over a background one', () => {
    const processes = [proc('bash', ['bash'], false, 1), proc('codex', ['codex'], false, 2), proc('claude', ['claude'], true, 3)];
    expect(identifyAgent(processes, manifests)).toMatchObject({ agent: 'claude', pid: 3 });
  });
});

describe('parseStat', () => {
  it('reads a comm with spaces and parentheses', () => {
    const info = parseStat('4242 (tmux: server (x)) S 1 4242 4242 0 -1 4194560 0 0');
    expect(info).toEqual({ pid: 4242, ppid: 1, pgrp: 4242, tpgid: -1, comm: 'tmux: server (x)' });
  });
});

describe('process tables', () => {
  it('the slice-at-a-time read finds what the one-piece read finds', async () => {
    const child = spawn('sleep', ['30']);
    try {
      const [sync, async] = [readProcessTable(), await readProcessTableAsync()];
      for (const pid of [process.pid, child.pid!]) expect(async.byPid.get(pid)).toEqual(sync.byPid.get(pid));
      expect(async.children.get(process.pid)).toContain(child.pid);
      expect(async.byPid.size).toBeGreaterThan(2);
    } finally {
      child.kill();
    }
  });

  it('treeKey changes with a new process, an exec (its name) or the foreground group, not otherwise', () => {
    const p = (pid: number, ppid: number, comm: string, tpgid = 10) => ({ pid, ppid, pgrp: pid, tpgid, comm });
    const key = (...infos: ReturnType<typeof p>[]) => treeKey(processTable(infos), 10);
    const shell = key(p(10, 1, 'sh'));
    expect(key(p(10, 1, 'sh'))).toBe(shell);
    expect(key(p(10, 1, 'sh'), p(11, 10, 'claude'))).not.toBe(shell);
    expect(key(p(10, 1, 'claude'))).not.toBe(shell);
    expect(key(p(10, 1, 'sh', 11))).not.toBe(shell);
    expect(key(p(9, 1, 'sh'))).toBe('');
    // A remote table carries command lines: an exec with the same name and other arguments counts.
    const remote = (argv: string[]) => treeKey(processTable([{ ...p(10, 1, 'node'), argv }]), 10);
    expect(remote(['node', 'claude'])).not.toBe(remote(['node', 'server.js']));
  });
});

describe('AgentsFile schema', () => {
  /** A manifest file as loose data, to break on purpose. */
  type Loose = { agents: { a: { rules: unknown[] }; shell?: unknown } };
  const valid = { version: 1, agents: { a: { match: { commands: ['a'] }, rules: [{ id: 'a-idle', state: 'idle', region: { bottom: 2 }, contains: '>' }] } } };

  it('accepts a minimal manifest', () => {
    expect(AgentsFile.safeParse(valid).success).toBe(true);
  });

  it('reports a bad regex at its path with the reason', () => {
    const bad = structuredClone(valid) as unknown as Loose;
    bad.agents.a.rules[0] = { id: 'a-idle', state: 'idle', region: 'title', regex: '(unclosed' };
    const result = AgentsFile.safeParse(bad);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path).toEqual(['agents', 'a', 'rules', 0, 'regex']);
    expect(issue.message).toMatch(/invalid regex \/\(unclosed\/: .*Unterminated group/);
  });

  it.each([
    ['a rule without a matcher', { id: 'x', state: 'idle', region: 'title' }, /needs "contains" or "regex"/],
    ['an unknown state', { id: 'x', state: 'busy', region: 'title', contains: 'x' }, /Invalid option/],
    ['an unknown key', { id: 'x', state: 'idle', region: 'title', contains: 'x', colour: 1 }, /Unrecognized key/],
    ['an unknown region', { id: 'x', state: 'idle', region: 'top', contains: 'x' }, /Invalid/],
  ])('rejects %s', (_name, rule, message) => {
    const bad = structuredClone(valid) as unknown as Loose;
    bad.agents.a.rules[0] = rule;
    const result = AgentsFile.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join('\n')).toMatch(message);
  });

  it('rejects duplicate rule ids and the reserved agent names', () => {
    const dup = structuredClone(valid) as unknown as Loose;
    dup.agents.a.rules.push(dup.agents.a.rules[0]);
    dup.agents.shell = dup.agents.a;
    const messages = AgentsFile.safeParse(dup).error!.issues.map((i) => i.message);
    expect(messages).toEqual(expect.arrayContaining(['duplicate rule id "a-idle"', '"shell" is reserved']));
  });
});
