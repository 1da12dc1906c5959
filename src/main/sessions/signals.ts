import type { SessionDetail, SessionState } from '../../shared/api.js';
import type { DialogView } from '../../shared/attention.js';
import type { HookState } from '../hooks/events.js';
import type { Classification, ScreenState } from './classify.js';
import { parseResetTime } from './reset-time.js';

/**
 * How long a hook's word beats the screen. Hooks report transitions, not state (an Esc
 * interrupt sends none), so after this the screen decides again. Long enough to cover
 * a TUI that redraws a beat after the hook fired; short enough that a missed hook is
 * corrected while the operator is still looking.
 */
export const HOOK_FRESH_MS = 10_000;

/** What the screen last showed, and since when (a change of screen state is a transition of its own). */
export interface ScreenReading extends Classification {
  sinceMs: number;
  /** A waiting screen's dialog, read by the agent's `dialogs:` (null when none reads). */
  dialog?: DialogView | null;
}

/** The latest hook event for a pane. */
export interface HookSignal {
  state: HookState;
  reason: string | null;
  event: string | null;
  atMs: number;
}

export interface Decision {
  state: SessionState;
  reason: string | null;
  /** The screen rule, or `hook:EVENT` when a hook decided. */
  ruleId: string | null;
  /** When a hook decided: ms until it goes stale and the screen should be asked again. */
  hookExpiresInMs: number | null;
  detail: SessionDetail | null;
}

/** The detail a screen reading gives: its reason, what the agent printed, a limit's reset time, a dialog's question. */
export function screenDetail(c: Classification & { dialog?: DialogView | null }, now: Date): SessionDetail | null {
  if (c.state === 'unknown' || (c.reason === null && !c.message)) return null;
  // A rule without a reason word is named by its id (classify); a plain working or idle screen has no detail.
  if ((c.state === 'working' || c.state === 'idle') && c.reason === c.ruleId && !c.message) return null;
  const waiting = c.state === 'waiting';
  return {
    kind: c.reason ?? c.state,
    message: waiting ? null : (c.message ?? null),
    resetAt: c.resetText ? parseResetTime(c.resetText, now) : null,
    dialog: waiting ? (c.dialog ?? null) : null,
  };
}

/**
 * Pure: a fresh hook overrides the screen unless the screen has shown a transition of
 * its own since the hook fired (then the screen is newer news). Process liveness is
 * decided before this is asked (an exited agent is never revived by a hook).
 */
export function decide(screen: ScreenReading | null, hook: HookSignal | null, nowMs: number, freshMs = HOOK_FRESH_MS): Decision {
  const age = hook ? nowMs - hook.atMs : Infinity;
  const screenIsNewer = screen !== null && screen.state !== 'unknown' && hook !== null && screen.sinceMs > hook.atMs;
  // A turn that ends on an error or a limit ends with a Stop hook too: the error on the
  // screen is the news, never "idle" (that would hand a limited agent the next task).
  const errorBeatsIdle = screen?.state === 'error' && hook?.state === 'idle';
  if (hook && age < freshMs && !screenIsNewer && !errorBeatsIdle) {
    // A dialog the screen shows beside a waiting hook is what the hook is about.
    const dialog = hook.state === 'waiting' && screen?.state === 'waiting' ? (screen.dialog ?? null) : null;
    const detail = hook.reason ? { kind: hook.reason, message: null, resetAt: null, dialog } : null;
    return { state: hook.state, reason: hook.reason, ruleId: `hook:${hook.event ?? hook.state}`, hookExpiresInMs: freshMs - age, detail };
  }
  if (!screen) return { state: 'unknown', reason: null, ruleId: null, hookExpiresInMs: null, detail: null };
  return { state: screen.state as ScreenState, reason: screen.reason, ruleId: screen.ruleId, hookExpiresInMs: null, detail: screenDetail(screen, new Date(nowMs)) };
}
