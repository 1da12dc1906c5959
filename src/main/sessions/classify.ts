import type { Region, RuleState } from '../config/schemas/agents.js';
import type { CompiledAgent, CompiledRule } from './manifests.js';

/** What a pane shows: its visible lines (as `capture-pane -p -J` prints them) and its title. */
export interface Screen {
  lines: string[];
  title: string;
}

export type ScreenState = RuleState | 'unknown';

export interface Classification {
  state: ScreenState;
  /** The rule's reason (approval, rate_limit…), or null. */
  reason: string | null;
  /** The rule that decided, or null when none matched. */
  ruleId: string | null;
  /** What the agent printed (an error's text, a limit's notice, a retry line), or null. */
  message?: string | null;
  /** A limit's reset time as printed (`7:20pm (UTC)`), or null; `parseResetTime` reads it. */
  resetText?: string | null;
}

export interface RuleVerdict {
  ruleId: string;
  state: RuleState;
  matched: boolean;
  /** The matched text (one line, trimmed), or why the rule did not apply. */
  evidence: string;
}

/** Error beats waiting beats working beats idle: a dialog on a busy screen is what the operator must see. */
const PRECEDENCE: Record<RuleState, number> = { error: 0, waiting: 1, working: 2, idle: 3 };

/** A horizontal rule: box-drawing dashes, or Gemini's half blocks under truecolor. */
const HORIZONTAL_RULE = /^\s*[╭╰]?(?:─{3,}|▄{3,}|▀{3,}|━{3,})/u;
const EVIDENCE_MAX = 120;

export const UNKNOWN: Classification = { state: 'unknown', reason: null, ruleId: null };

/** Pure: which state a screen shows, by the agent's rules. Idle only on a positive marker. */
export function classify(screen: Screen, agent: CompiledAgent): Classification {
  let best: CompiledRule | null = null;
  const regions = new RegionCache(screen);
  for (const rule of agent.rules) {
    if (best && PRECEDENCE[rule.state] >= PRECEDENCE[best.state]) continue;
    if (evaluate(rule, regions.get(rule.region)).matched) best = rule;
  }
  if (!best) return UNKNOWN;
  const result: Classification = { state: best.state, reason: best.reason ?? best.id, ruleId: best.id };
  // Errors, limits and reasoned working states (a retry) say what the agent printed.
  if (best.state === 'error' || (best.state === 'working' && best.reason !== null) || best.message || best.resets) {
    const text = regions.get(best.region);
    const at = findMatch(text, best.contains, best.regex);
    const entry = at === null ? null : entryAt(text, at);
    // A rule's `message:`/`resets:` is looked for in the entry, then in the rest of the match's region.
    const rest = at === null ? null : text.slice(at);
    const find = (regex: RegExp | null) => (entry === null ? null : (pick(entry, regex) ?? (regex && rest !== null ? pick(rest, regex) : null)));
    result.message = find(best.message);
    result.resetText = best.resets ? find(best.resets) : null;
  }
  return result;
}

const MESSAGE_MAX = 300;
/** Lines that start something new: a prompt, a transcript entry, a rule, a box edge. */
const NEW_ENTRY = /^\s*(?:[❯›•■✕✻✶✳✢✽·●ℹ⎿>]|─{3,}|▄{3,}|▀{3,}|━{3,}|[╭╰])/u;
/** A leading entry glyph and box borders are not part of the message. */
const ENTRY_GLYPH = /^\s*(?:[●⎿■✕✻ℹ⚠]\s*)+/u;
const BOX_EDGE = /^\s*│\s?|\s*│\s*$/gu;

/**
 * The entry a match is in, as one line: the matched line and the wrapped lines after
 * it (until a blank line or the next entry), box borders and the entry glyph removed.
 */
export function entryAt(text: string, index: number): string {
  while (index < text.length && /\s/.test(text[index]!)) index++; // a match may start on the blank line before
  const lines = text.split('\n');
  let offset = 0;
  let i = 0;
  while (i < lines.length - 1 && offset + (lines[i]?.length ?? 0) < index) offset += (lines[i++]?.length ?? 0) + 1;
  const parts = [lines[i] ?? ''];
  for (let j = i + 1; j < lines.length; j++) {
    const line = (lines[j] ?? '').replace(BOX_EDGE, '');
    if (line.trim() === '' || NEW_ENTRY.test(line)) break;
    parts.push(line);
  }
  return parts.map((p) => p.replace(BOX_EDGE, '').replace(ENTRY_GLYPH, '').trim()).join(' ').replace(/\s+/g, ' ').trim();
}

function pick(entry: string, regex: RegExp | null): string | null {
  let text: string | null = entry;
  if (regex) {
    regex.lastIndex = 0;
    const m = regex.exec(entry);
    text = m ? (m.slice(1).find((g) => g !== undefined) ?? m[0]).trim() : null;
  }
  if (!text) return regex ? null : entry || null;
  text = text.replace(/\s+/g, ' ');
  return text.length > MESSAGE_MAX ? text.slice(0, MESSAGE_MAX) + '…' : text;
}

/** Every rule's verdict, in manifest order, for `architect agents explain`. */
export function explainScreen(screen: Screen, agent: CompiledAgent): { result: Classification; verdicts: RuleVerdict[] } {
  const regions = new RegionCache(screen);
  const verdicts = agent.rules.map((rule) => {
    const v = evaluate(rule, regions.get(rule.region));
    return { ruleId: rule.id, state: rule.state, matched: v.matched, evidence: v.evidence };
  });
  return { result: classify(screen, agent), verdicts };
}

function evaluate(rule: CompiledRule, text: string): { matched: boolean; evidence: string } {
  const hit = findMatch(text, rule.contains, rule.regex);
  if (hit === null) return { matched: false, evidence: 'no match in region' };
  const veto = findMatch(text, rule.notContains, rule.notRegex);
  if (veto !== null) return { matched: false, evidence: `vetoed by "not": ${lineAround(text, veto)}` };
  return { matched: true, evidence: lineAround(text, hit) };
}

/** Index of the first match of any `contains` string or of the regex, or null. */
function findMatch(text: string, contains: string[], regex: RegExp | null): number | null {
  for (const needle of contains) {
    const at = text.indexOf(needle);
    if (at >= 0) return at;
  }
  if (regex) {
    regex.lastIndex = 0;
    const m = regex.exec(text);
    if (m) return m.index;
  }
  return null;
}

function lineAround(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  const line = text.slice(start, end < 0 ? undefined : end).trim();
  return line.length > EVIDENCE_MAX ? line.slice(0, EVIDENCE_MAX) + '…' : line;
}

/** Region texts are computed once per screen however many rules read them. */
class RegionCache {
  private readonly lines: string[];
  private readonly cache = new Map<string, string>();

  constructor(private readonly screen: Screen) {
    const lines = screen.lines.map((l) => l.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    this.lines = lines;
  }

  get(region: Region): string {
    const key = typeof region === 'string' ? region : `bottom:${region.bottom}`;
    let text = this.cache.get(key);
    if (text === undefined) {
      text = this.compute(region);
      this.cache.set(key, text);
    }
    return text;
  }

  private compute(region: Region): string {
    if (region === 'title') return this.screen.title.trim();
    if (region === 'screen') return this.lines.join('\n');
    if (region === 'after_last_rule') {
      let i = this.lines.length - 1;
      while (i >= 0 && !HORIZONTAL_RULE.test(this.lines[i] ?? '')) i--;
      return this.lines.slice(i + 1).join('\n');
    }
    return this.lines.slice(-region.bottom).join('\n');
  }
}
