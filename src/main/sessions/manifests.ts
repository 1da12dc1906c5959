import fs from 'node:fs';
import { parse } from 'yaml';
import { AgentsFile, RULE_REGEX_FLAGS, type AgentManifest, type Region, type Rule, type RuleState } from '../config/schemas/agents.js';

/** A rule with its patterns compiled, ready for `classify`. */
export interface CompiledRule {
  id: string;
  state: RuleState;
  reason: string | null;
  region: Region;
  contains: string[];
  regex: RegExp | null;
  notContains: string[];
  notRegex: RegExp | null;
  /** Where the message is in the matched entry (group 1 or the match), or null: the entry itself. */
  message: RegExp | null;
  /** Group 1: the reset time as printed. */
  resets: RegExp | null;
  /** Position in the manifest: ties between rules of the same state go to the first. */
  order: number;
}

export interface CompiledAgent {
  name: string;
  displayName: string;
  provider: string;
  commands: ReadonlySet<string>;
  argv: RegExp[];
  rules: CompiledRule[];
}

export interface CompiledManifests {
  agents: CompiledAgent[];
  byName: ReadonlyMap<string, CompiledAgent>;
  shells: ReadonlySet<string>;
  interpreters: ReadonlySet<string>;
}

/** Reads and validates an agents.yaml on its own (the config loader does this for the app). */
export function loadAgentManifests(file: string): AgentsFile {
  const text = fs.readFileSync(file, 'utf8');
  const result = AgentsFile.safeParse(parse(text));
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first ? first.path.join('.') : '';
    throw new Error(`${file}: ${where ? where + ': ' : ''}${first?.message ?? 'invalid agents file'}`);
  }
  return result.data;
}

// Snapshots are frozen and replaced whole on reload, so the object identity is the
// version: each regex is compiled once per snapshot.
const compiled = new WeakMap<AgentsFile, CompiledManifests>();

export function compileManifests(file: AgentsFile): CompiledManifests {
  const cached = compiled.get(file);
  if (cached) return cached;
  const agents = Object.entries(file.agents).map(([name, manifest]) => compileAgent(name, manifest));
  const result: CompiledManifests = {
    agents,
    byName: new Map(agents.map((a) => [a.name, a])),
    shells: new Set(file.shells),
    interpreters: new Set(file.interpreters),
  };
  compiled.set(file, result);
  return result;
}

function compileAgent(name: string, manifest: AgentManifest): CompiledAgent {
  return {
    name,
    displayName: manifest.display_name ?? name,
    provider: manifest.provider ?? name,
    commands: new Set(manifest.match.commands),
    argv: manifest.match.argv.map((source) => new RegExp(source, 'u')),
    rules: manifest.rules.map((rule, order) => compileRule(rule, order)),
  };
}

function compileRule(rule: Rule, order: number): CompiledRule {
  return {
    id: rule.id,
    state: rule.state,
    reason: rule.reason ?? null,
    region: rule.region,
    contains: asList(rule.contains),
    regex: rule.regex === undefined ? null : new RegExp(rule.regex, RULE_REGEX_FLAGS),
    notContains: asList(rule.not?.contains),
    notRegex: rule.not?.regex === undefined ? null : new RegExp(rule.not.regex, RULE_REGEX_FLAGS),
    message: rule.message === undefined ? null : new RegExp(rule.message, RULE_REGEX_FLAGS),
    resets: rule.resets === undefined ? null : new RegExp(rule.resets, RULE_REGEX_FLAGS),
    order,
  };
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}
