// The line a session card shows: what the agent last said, not its input box or
// its footer. Agents draw their prompt at the bottom (Claude's ❯ between rules,
// Codex's ›, Gemini's >) with hints and status lines around it; the conversation
// is above the last prompt line.

/** A session card shows one line; longer ones are cut here rather than in every client. */
const LAST_LINE_MAX = 200;
/** An input prompt line: the agent's own prompt marker, maybe inside a box border. */
const INPUT_PROMPT = /^\s*[│┃|]?\s*(?:❯|›|>{1,3})(?:\s|$)/u;
const RULE = /^\s*[╭╰]?(?:─{3,}|▄{3,}|▀{3,}|━{3,})/u;
/** Hints and status lines present in every state: never what the agent said. */
const CHROME = /\?\s*for shortcuts|accept edits|bypass permissions|f2 to view|for agents|Type your message|Ask Codex to do anything|context left|no sandbox/iu;

export function lastTextLine(lines: readonly string[]): string | null {
  let end = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (INPUT_PROMPT.test(lines[i] ?? '')) {
      end = i;
      break;
    }
  }
  for (let i = end - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (!/[\p{L}\p{N}]/u.test(line) || RULE.test(line) || CHROME.test(line)) continue;
    return line.replace(/^[│┃|]\s*|\s*[│┃|]$/gu, '').slice(0, LAST_LINE_MAX);
  }
  return null;
}
