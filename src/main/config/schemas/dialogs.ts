import { z } from 'zod';

// The `dialogs:` section of an agent in agents.yaml: how to read a dialog's question
// and numbered options off the screen, and which keys pick option {n}. The Attention
// inbox and `architect answer` use it; detection (`rules:`) does not.

/** The flags of every dialog pattern, as for detection rules: per-line ^/$, Unicode. */
export const DIALOG_REGEX_FLAGS = 'mu';

const Regex = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, DIALOG_REGEX_FLAGS);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid regex /${source}/: ${(err as Error).message}` });
    }
  });

/** The last N non-blank lines, or the whole screen. */
const DialogRegion = z.union([z.object({ bottom: z.number().int().min(1).max(500) }).strict(), z.literal('screen')]);
export type DialogRegion = z.infer<typeof DialogRegion>;

/**
 * tmux key names a dialog may send: `{n}` (the option's number), one letter or digit,
 * or a named key. Never free text: an answer cannot type a command into the agent.
 */
export const DIALOG_KEY = /^(?:\{n\}|[A-Za-z0-9]|Enter|Escape|Tab|BTab|Up|Down|Left|Right|Space|BSpace|Home|End|C-[a-z])$/;

/** An option line: an optional cursor mark, the number, a dot, the label (box borders are stripped first). */
export const DEFAULT_OPTION_REGEX = '^(?:[❯›●>▶*]\\s*)?(?<n>\\d{1,2})\\.\\s+(?<label>\\S.*)$';

export const DialogKind = z.enum(['approval', 'question', 'trust', 'login', 'other']);
export type DialogKind = z.infer<typeof DialogKind>;

export const Dialog = z
  .object({
    /** Unique within the agent; recorded with each answer. */
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'dialog ids are lowercase words joined by - _ .'),
    kind: DialogKind,
    /** Where the dialog is drawn (usually the bottom lines). */
    region: DialogRegion.default({ bottom: 30 }),
    /** The dialog is on screen when this matches in the region (flags `mu`). */
    when: Regex,
    /** The question: the nearest line above option 1 matching this (its first group, if any); the nearest non-blank line when absent. */
    question: Regex.optional(),
    /** An option line, with named groups `n` and `label`. */
    option: Regex.default(DEFAULT_OPTION_REGEX),
    /** Non-blank lines above the question shown with it (what is being approved). */
    context_lines: z.number().int().min(0).max(20).default(0),
    /** Options shown but not offered as answers (they need typing, e.g. "Type something."). */
    hide_options: Regex.optional(),
    /** tmux keys that pick option {n}, sent in order. */
    keys: z
      .array(z.string().regex(DIALOG_KEY, 'a key is {n}, one letter or digit, or Enter, Escape, Tab, BTab, Up, Down, Left, Right, Space, BSpace, Home, End, C-x'))
      .min(1)
      .max(20)
      .default(['{n}']),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (!/\(\?<n>/.test(d.option) || !/\(\?<label>/.test(d.option)) {
      ctx.addIssue({ code: 'custom', path: ['option'], message: 'option needs the named groups (?<n>…) and (?<label>…)' });
    }
  });
export type Dialog = z.infer<typeof Dialog>;
