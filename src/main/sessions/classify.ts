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
  return best ? { state: best.state, reason: best.reason ?? best.id, ruleId: best.id } : UNKNOWN;
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
