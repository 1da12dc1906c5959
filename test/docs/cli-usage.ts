import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../src/main/cli/command.js';
import { parseGlobals } from '../../src/main/cli/globals.js';
import { registry } from '../../src/main/cli/registry.js';
import { ROOT } from './markdown.js';

// Does a documented command exist as written? `architect …` lines are held against
// the CLI itself — its global options, its commands, each command's usage (the
// subcommands and --options it lists); `npm run X` against package.json's scripts;
// `npx vitest|tsx PATH` against the files. Synopses (`[--port N]`, `NAME…`) count.

// Help anywhere; --json is a global option that parseGlobals leaves for the command.
const ALWAYS = new Set(['--help', '-h', '--json']);

/** A synopsis word as a plain argument: `[--port` → `--port`, `NAME]…` → `NAME`. */
function plain(word: string): string {
  return word.replace(/^\[+/, '').replace(/(\]|…|\.\.\.)+$/, '').replace(/\]$/, '');
}

interface UsageEntry {
  sub: string | null;
  flags: Set<string>;
}

/** A command's usage as entries: one per `architect NAME …` line, with the lines under it. */
function usageEntries(name: string, usage: string): UsageEntry[] {
  const entries: UsageEntry[] = [];
  for (const line of usage.split('\n')) {
    const head = new RegExp(`^(?:Usage:\\s*)?architect\\s+${name}\\b(.*)$`).exec(line.trim());
    if (head) {
      const first = plain(head[1]!.trim().split(/\s+/)[0] ?? '');
      entries.push({ sub: /^[a-z][a-z-]*$/.test(first) ? first : null, flags: new Set() });
    }
    const entry = entries[entries.length - 1];
    for (const m of line.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)) entry?.flags.add(m[1]!);
  }
  return entries;
}

/** What is wrong with `architect ARGS` as documented, or null. */
export function architectProblem(docArgs: string[]): string | null {
  const args = docArgs.map(plain).filter((a) => a !== '' && a !== '|');
  let parsed: ReturnType<typeof parseGlobals>;
  try {
    parsed = parseGlobals(args);
  } catch (err) {
    return err instanceof UsageError ? `global options: ${err.message}` : String(err);
  }
  const [name, ...rest] = parsed.rest;
  if (name === undefined) return null; // `architect` alone prints the help
  if (['-h', '--help', '-v', '--version'].includes(name)) return null;
  const lookup = name === 'help' ? rest[0] : name;
  const command = registry().find((c) => c.name === lookup);
  if (!command) return `no command "${lookup}" (architect --help lists ${registry().map((c) => c.name).join(', ')})`;
  if (name === 'help') return null;
  const entries = usageEntries(command.name, command.usage);
  const subs = new Set(entries.map((e) => e.sub).filter((s): s is string => s !== null));
  const sub = rest[0] !== undefined && !rest[0].startsWith('-') ? rest[0] : null;
  let matching = entries;
  // A command may also run without a subcommand (`sessions` beside `sessions clear`).
  const bare = entries.filter((e) => e.sub === null);
  if (subs.size > 0 && sub === null && bare.length > 0) matching = bare;
  else if (subs.size > 0) {
    // A synopsis may list alternatives: `workflow list|runs|show`.
    const alternatives = sub?.split('|') ?? [];
    if (alternatives.length === 0 || !alternatives.every((a) => subs.has(a))) return `"architect ${command.name}" takes ${[...subs].join(' | ')}, not "${sub ?? '(nothing)'}"`;
    matching = entries.filter((e) => e.sub !== null && alternatives.includes(e.sub));
  }
  const allowed = new Set([...ALWAYS, ...matching.flatMap((e) => [...e.flags])]);
  const unknown = rest.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!).filter((f) => !allowed.has(f));
  return unknown.length > 0 ? `"architect ${command.name}${sub ? ` ${sub}` : ''}" has no ${unknown.join(', ')} (usage: ${[...allowed].join(' ') || 'no options'})` : null;
}

const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const REPO_PATH = /^(test|src|scripts|bench|config|docs)\//;

/** What is wrong with one simple command a doc shows, or null (also for commands not ours). */
export function commandProblem(words: string[]): string | null {
  const [program, second, ...more] = words;
  if (program === 'architect') return architectProblem(words.slice(1));
  if (program === 'npx' && second === 'architect') return architectProblem(more);
  if (program === 'node' && second?.endsWith('bin/architect.js')) return architectProblem(more);
  if (program === 'npm' && second === 'run') {
    const script = more.find((w) => !w.startsWith('-'));
    if (script === undefined) return null; // `npm run` lists the scripts
    return Object.hasOwn(scripts, script) ? null : `package.json has no script "${script}" (it has ${Object.keys(scripts).join(', ')})`;
  }
  if (program === 'npm' && (second === 'test' || second === 'start')) return Object.hasOwn(scripts, second) ? null : `package.json has no "${second}" script`;
  if (program === 'npx' && (second === 'vitest' || second === 'tsx')) {
    const missing = more.filter((w) => REPO_PATH.test(w) && !fs.existsSync(path.join(ROOT, w)));
    return missing.length > 0 ? `no such file: ${missing.join(', ')}` : null;
  }
  return null;
}
