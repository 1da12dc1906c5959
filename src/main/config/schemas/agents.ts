import { z } from 'zod';
import { Dialog } from './dialogs.js';

// config/base/agents.yaml — how each agent CLI is recognised (process) and what its
// screen means (prioritised rules). DETECTION.md lists what the real CLIs show.

/** Regex flags every rule gets: `u` for the glyphs, `m` so ^/$ work per line of a region. */
export const RULE_REGEX_FLAGS = 'mu';

/** Why a pattern does not compile, or null. Used by the schema so a bad regex is a config error at its position. */
export function regexProblem(source: string, flags: string): string | null {
  try {
    new RegExp(source, flags);
    return null;
  } catch (err) {
    return `invalid regex /${source}/: ${(err as Error).message}`;
  }
}

const Pattern = z.string().min(1);

/** A regex string, checked at load. */
const RegexSource = (flags: string) =>
  Pattern.superRefine((source, ctx) => {
    const problem = regexProblem(source, flags);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const OneOrMany = z.union([Pattern, z.array(Pattern).min(1)]);

export const RuleState = z.enum(['error', 'waiting', 'working', 'idle']);
export type RuleState = z.infer<typeof RuleState>;

/**
 * Where on the screen a rule looks:
 * - `{bottom: N}`: the last N non-blank lines (prompts and footers live at the bottom);
 * - `title`: the pane title (`#{pane_title}`);
 * - `after_last_rule`: the lines below the last horizontal rule (`───`, `▄▄▄`, `▀▀▀`);
 * - `screen`: the whole visible screen.
 */
export const Region = z.union([
  z.object({ bottom: z.number().int().min(1).max(500) }).strict(),
  z.enum(['title', 'after_last_rule', 'screen']),
]);
export type Region = z.infer<typeof Region>;

const Matcher = z
  .object({
    /** Matches when the region contains any of these strings. */
    contains: OneOrMany.optional(),
    /** Matches when this regex (flags `mu`) finds a match in the region (lines joined by `\n`). */
    regex: RegexSource(RULE_REGEX_FLAGS).optional(),
  })
  .strict();

export const Rule = z
  .object({
    /** Unique within the agent; shown by `architect agents explain` and stored with each transition. */
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'rule ids are lowercase words joined by - _ .'),
    state: RuleState,
    /** For waiting/error: approval, question, trust, login, rate_limit, api_error, auth… */
    reason: z.string().optional(),
    region: Region,
    contains: OneOrMany.optional(),
    regex: RegexSource(RULE_REGEX_FLAGS).optional(),
    /** The rule does not apply when this also matches in the same region. */
    not: Matcher.optional(),
    /**
     * error/limit rules: where the message is. Applied to the matched entry (its line and
     * the wrapped lines after it, joined); group 1, or the whole match, is the message.
     * Without it the entry itself is the message.
     */
    message: RegexSource(RULE_REGEX_FLAGS).optional(),
    /** limit rules: group 1 is the reset time as printed (`7:20pm (UTC)`, `in 2h 5m`, `7:12 PM`). */
    resets: RegexSource(RULE_REGEX_FLAGS).optional(),
    description: z.string().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.contains === undefined && rule.regex === undefined) {
      ctx.addIssue({ code: 'custom', message: `rule "${rule.id}" needs "contains" or "regex"` });
    }
    if (rule.not && rule.not.contains === undefined && rule.not.regex === undefined) {
      ctx.addIssue({ code: 'custom', path: ['not'], message: `rule "${rule.id}": "not" needs "contains" or "regex"` });
    }
  });
export type Rule = z.infer<typeof Rule>;

export const AgentMatch = z
  .object({
    /** Executable names (process name, argv[0], or the script an interpreter such as node/python runs). */
    commands: z.array(Pattern).default([]),
    /** Regexes over the whole command line (argv joined by spaces), e.g. `/@anthropic-ai/claude-code/`. */
    argv: z.array(RegexSource('u')).default([]),
  })
  .strict()
  .refine((m) => m.commands.length + m.argv.length > 0, { message: 'match needs "commands" or "argv"' });
export type AgentMatch = z.infer<typeof AgentMatch>;

export const AgentManifest = z
  .object({
    display_name: z.string().optional(),
    /** Provider name used by routing's `supported_providers` (defaults to the agent key). */
    provider: z.string().optional(),
    match: AgentMatch,
    rules: z.array(Rule).default([]),
    /** How to answer its dialogs from the console (schemas/dialogs.ts). */
    dialogs: z.array(Dialog).default([]),
    /**
     * Opt-in: when a usage limit with a printed reset time resets, type this into the
     * agent once (`true` = "continue"), recorded in `decisions`. Off by default.
     */
    resume_after_limit: z.union([z.boolean(), z.object({ text: z.string().min(1).default('continue') }).strict()]).optional(),
  })
  .strict()
  .superRefine((agent, ctx) => {
    const seen = new Set<string>();
    agent.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
    });
    const dialogIds = new Set<string>();
    agent.dialogs.forEach((d, i) => {
      if (dialogIds.has(d.id)) ctx.addIssue({ code: 'custom', path: ['dialogs', i, 'id'], message: `duplicate dialog id "${d.id}"` });
      dialogIds.add(d.id);
    });
  });
export type AgentManifest = z.infer<typeof AgentManifest>;

const AgentName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'agent names are lowercase words');
const RESERVED_AGENT_NAMES = ['shell', 'other'];

export const AgentsFile = z
  .object({
    version: z.union([z.string(), z.number()]).transform(String),
    /** Process names that are an interactive shell: a pane back at its shell has no agent. */
    shells: z.array(Pattern).default(['bash', 'zsh', 'fish', 'sh', 'dash', 'ksh', 'tcsh', 'nu']),
    /** Interpreters whose first argument is the real program (`node /usr/bin/gemini`). */
    interpreters: z.array(Pattern).default(['node', 'bun', 'deno', 'python', 'python3', 'sh', 'bash']),
    agents: z.record(AgentName, AgentManifest),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const name of RESERVED_AGENT_NAMES) {
      if (name in file.agents) ctx.addIssue({ code: 'custom', path: ['agents', name], message: `"${name}" is reserved` });
    }
  });
export type AgentsFile = z.infer<typeof AgentsFile>;
