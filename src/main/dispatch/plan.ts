// The pure half of sending a task into a pane: which tmux steps to run, and how
// to read the screen afterwards to tell whether the agent took the prompt.
// See DETECTION.md "Sending a task into a pane".
import type { SessionState } from '../../shared/api.js';

/** Long enough for the agent's input box to render a paste, short enough not to be felt. */
export const PASTE_SETTLE_MS = 100;
/** tmux pane ids are `%` and a number; anything else could target another pane. */
const PANE_ID = /^%\d+$/;
/** The characters agents draw their prompt with: Claude ❯, Codex ›, Gemini >. */
const PROMPT_MARKER = /^[│┃|]?\s*[❯›>]\s?/u;
/** A horizontal rule or box edge around an input box. */
const RULE_LINE = /^\s*[╭╰┌└]?[─━═]{3,}/u;
const BOX_BORDER = /^[│┃]\s?|\s?[│┃]\s*$/gu;

export interface DispatchTarget {
  name: string;
  paneId: string;
  state: SessionState;
}

export type DispatchStep =
  | { op: 'load-buffer'; buffer: string; text: string }
  | { op: 'paste-buffer'; buffer: string; target: string }
  | { op: 'wait'; ms: number }
  | { op: 'send-keys'; target: string; keys: 'Enter' }
  | { op: 'capture'; target: string; as: 'before' | 'after' };

export type DispatchPlan = { ok: true; steps: DispatchStep[]; prompt: string } | { ok: false; reason: string };

/** The buffer is per pane: one delivery per pane at a time, and named so a stray one is recognisable. */
export function bufferName(paneId: string): string {
  return `architect-task-${paneId.replace('%', '')}`;
}

/**
 * Load the prompt into a named buffer, paste it as one bracketed block, let it
 * settle, read the screen, press Enter, read it again. Keys typed into a pane
 * that is not idle would answer whatever dialog is open, so only idle panes.
 */
export function planDispatch(session: DispatchTarget, prompt: string): DispatchPlan {
  if (session.state !== 'idle') return { ok: false, reason: `${session.name} is ${session.state}, not idle` };
  if (!PANE_ID.test(session.paneId)) return { ok: false, reason: `${session.name}: "${session.paneId}" is not a tmux pane id` };
  // A trailing newline would submit early in some agents; Enter is sent on its own.
  const text = prompt.replace(/\r\n?/g, '\n').replace(/\s+$/u, '');
  if (text === '') return { ok: false, reason: 'the task has an empty prompt' };
  const buffer = bufferName(session.paneId);
  const target = session.paneId;
  return {
    ok: true,
    prompt: text,
    steps: [
      { op: 'load-buffer', buffer, text },
      { op: 'paste-buffer', buffer, target },
      { op: 'wait', ms: PASTE_SETTLE_MS },
      { op: 'capture', target, as: 'before' },
      { op: 'send-keys', target, keys: 'Enter' },
      { op: 'wait', ms: PASTE_SETTLE_MS },
      { op: 'capture', target, as: 'after' },
    ],
  };
}

/** The tmux arguments for a step (never a shell string); null for steps tmux does not run. */
export function tmuxArgs(step: DispatchStep): string[] | null {
  switch (step.op) {
    case 'load-buffer':
      return ['load-buffer', '-b', step.buffer, '-'];
    case 'paste-buffer':
      // -p: bracketed paste, so newlines in the prompt do not submit it line by line.
      // -d: delete the buffer after pasting, so prompts do not pile up in the server.
      return ['paste-buffer', '-p', '-d', '-b', step.buffer, '-t', step.target];
    case 'send-keys':
      return ['send-keys', '-t', step.target, step.keys];
    case 'capture':
      return ['capture-pane', '-p', '-t', step.target];
    case 'wait':
      return null;
  }
}

/**
 * What is typed in the agent's input box: the text after the last prompt marker,
 * up to the box's closing rule. null when the screen shows no input box.
 */
export function inputBoxText(screen: string): string | null {
  const lines = screen.split('\n');
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (PROMPT_MARKER.test(lines[i] ?? '')) {
      start = i;
      break;
    }
  }
  if (start < 0) return null;
  // Without a closing rule below, only the marker line is the box; the rest is status.
  const closed = lines.slice(start + 1).some((l) => RULE_LINE.test(l));
  const draft: string[] = [(lines[start] ?? '').replace(PROMPT_MARKER, '').replace(BOX_BORDER, '')];
  for (let i = start + 1; closed && i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (RULE_LINE.test(line)) break;
    draft.push(line.replace(BOX_BORDER, ''));
  }
  return draft.join('\n').replace(/[\s\u00a0]+/gu, ' ').trim();
}

export type DeliveryVerdict = 'taken' | 'retry-enter' | 'failed';

export interface DeliveryJudgement {
  verdict: DeliveryVerdict;
  reason: string;
}

/**
 * Did the agent take the prompt? `before` is the screen after the paste, `after`
 * the screen after Enter, `state` what the classifier makes of `after`.
 * Taken: the agent is working, or the draft left the input box. Still in the box:
 * Enter did not land (long pastes are still being absorbed), so press it again.
 */
export function judgeDelivery(before: string, after: string, state: SessionState): DeliveryJudgement {
  if (state === 'working') return { verdict: 'taken', reason: 'the agent is working' };
  if (state === 'waiting') return { verdict: 'failed', reason: 'the agent opened a dialog instead of starting a turn' };
  if (state === 'error' || state === 'exited') return { verdict: 'failed', reason: `the session is ${state}` };
  const draft = inputBoxText(before);
  const now = inputBoxText(after);
  if (draft) {
    if (now !== null && now.includes(draft)) return { verdict: 'retry-enter', reason: 'the prompt is still in the input box' };
    return { verdict: 'taken', reason: 'the input box was cleared' };
  }
  // The paste never showed (or the agent swallowed it at once): only a moving screen says a turn ran.
  if (before !== after) return { verdict: 'taken', reason: 'the screen changed after Enter' };
  return { verdict: 'retry-enter', reason: 'nothing changed on screen after Enter' };
}
