// Reading a dialog off an agent's screen: its question, what it is about, and its
// numbered options, by the agent's `dialogs:` in agents.yaml. Pure: a screen in, a
// dialog (or null) out. The dialog's id is a fingerprint of what it asks, so an answer
// can be refused when the dialog on screen is no longer the one the operator read.
import { createHash } from 'node:crypto';
import type { Dialog, DialogKind, DialogRegion } from '../config/schemas/dialogs.js';
import { DIALOG_REGEX_FLAGS } from '../config/schemas/dialogs.js';

export interface ScreenLike {
  lines: readonly string[];
  title: string;
}

export interface DialogOption {
  n: number;
  label: string;
  description: string | null;
  /** false for options that need typing (hide_options): shown, never sent. */
  offered: boolean;
}

export interface ScreenDialog {
  /** Fingerprint of the dialog's content (12 hex digits). */
  id: string;
  /** The agents.yaml dialog that read it. */
  dialogId: string;
  kind: DialogKind;
  question: string;
  /** Lines that say what is asked about (the command, the file, the header). */
  context: string[];
  options: DialogOption[];
}

export interface CompiledDialog {
  spec: Dialog;
  when: RegExp;
  question: RegExp | null;
  option: RegExp;
  hide: RegExp | null;
}

/** Lines between two options of one dialog (descriptions, a rule): further apart, they are two lists. */
const MAX_OPTION_GAP = 6;
const FINGERPRINT_LENGTH = 12;
/** At most this many characters of any line are kept (a hostile pane can print anything). */
const MAX_LINE = 500;
const VERTICAL_BORDERS = /^\s*(?:[│┃║]\s*)+|(?:\s*[│┃║])+\s*$/gu;
const DECORATION_ONLY = /^[\s─━═╌╍┄┅┈┉╭╮╰╯┌┐└┘├┤▄▀]*$/u;
/** A label and its description on one line, two or more spaces apart (Codex's question form). */
const INLINE_DESCRIPTION = /\s{2,}/;

export function compileDialogs(specs: readonly Dialog[]): CompiledDialog[] {
  return specs.map((spec) => ({
    spec,
    when: new RegExp(spec.when, DIALOG_REGEX_FLAGS),
    question: spec.question ? new RegExp(spec.question, DIALOG_REGEX_FLAGS) : null,
    option: new RegExp(spec.option, DIALOG_REGEX_FLAGS),
    hide: spec.hide_options ? new RegExp(spec.hide_options, DIALOG_REGEX_FLAGS) : null,
  }));
}

/** The first of the agent's dialogs that is on this screen, read; null when none is. */
export function readDialog(screen: ScreenLike, dialogs: readonly CompiledDialog[]): ScreenDialog | null {
  const lines = screen.lines.map((l) => l.slice(0, MAX_LINE).trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const d of dialogs) {
    const raw = regionOf(lines, d.spec.region);
    if (!d.when.test(raw.join('\n'))) continue;
    const found = readIn(raw.map(tidy), d);
    if (found) return found;
  }
  return null;
}

function regionOf(lines: string[], region: DialogRegion): string[] {
  return region === 'screen' ? lines : lines.slice(-region.bottom);
}

/** A line without box borders and cursor padding; a line of pure decoration is blank. */
export function tidy(line: string): string {
  const t = line.replace(VERTICAL_BORDERS, '').trim();
  return DECORATION_ONLY.test(t) ? '' : t;
}

interface OptionLine {
  index: number;
  n: number;
  label: string;
}

function readIn(lines: string[], d: CompiledDialog): ScreenDialog | null {
  const run = lastOptionRun(lines, d.option);
  if (!run) return null;
  const first = run[0]!;
  const q = findQuestion(lines, first.index, d.question);
  if (!q) return null;
  const wanted = d.spec.context_lines;
  const above = wanted > 0 ? lines.slice(0, q.index).filter((l) => l !== '').slice(-wanted) : [];
  const context = [...above, ...lines.slice(q.index + 1, first.index).filter((l) => l !== '')];
  const options = run.map((o, k) => {
    const [label, inline] = splitInline(o.label);
    const next = run[k + 1];
    const between = next ? lines.slice(o.index + 1, next.index).filter((l) => l !== '') : [];
    const description = inline ?? (between.length > 0 ? between.join(' ') : null);
    return { n: o.n, label, description, offered: !(d.hide?.test(label) ?? false) };
  });
  const fingerprint = [d.spec.id, d.spec.kind, q.text, ...context, ...options.map((o) => `${o.n}:${o.label}`)].join('\n');
  return {
    id: createHash('sha256').update(fingerprint).digest('hex').slice(0, FINGERPRINT_LENGTH),
    dialogId: d.spec.id,
    kind: d.spec.kind,
    question: q.text,
    context,
    options,
  };
}

/** The last numbered list 1, 2, … in the region (earlier ones are transcript, e.g. a tips list). */
function lastOptionRun(lines: string[], option: RegExp): OptionLine[] | null {
  const found: OptionLine[] = [];
  lines.forEach((line, index) => {
    const g = option.exec(line)?.groups;
    if (g?.n !== undefined && g.label !== undefined) found.push({ index, n: Number(g.n), label: g.label.trim() });
  });
  let best: OptionLine[] | null = null;
  let current: OptionLine[] = [];
  for (const o of found) {
    const prev = current[current.length - 1];
    if (prev && o.n === prev.n + 1 && o.index - prev.index <= MAX_OPTION_GAP) current.push(o);
    else current = o.n === 1 ? [o] : [];
    if (current.length >= 2) best = current;
  }
  return best ? [...best] : null;
}

function findQuestion(lines: string[], before: number, pattern: RegExp | null): { index: number; text: string } | null {
  for (let i = before - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line === '') continue;
    if (!pattern) return { index: i, text: line };
    const m = pattern.exec(line);
    // The first group when the pattern has one (a question inside a longer line), else the line.
    if (m) return { index: i, text: (m[1] ?? line).trim() };
  }
  return null;
}

function splitInline(label: string): [string, string | null] {
  const m = INLINE_DESCRIPTION.exec(label);
  if (!m) return [label, null];
  return [label.slice(0, m.index), label.slice(m.index + m[0].length).trim() || null];
}
