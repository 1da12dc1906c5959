// Answering a dialog from the console, the API or the CLI: the keys agents.yaml
// defines for option N, sent only while the dialog the operator read is still on the
// screen, then confirmed by the screen that follows. The screen and the keys are
// passed in, so the console (watched servers) and the CLI (its own) share this.
import type { DialogView } from '../../shared/attention.js';
import type { SessionState } from '../../shared/api.js';
import { readDialog, type CompiledDialog, type ScreenDialog } from './dialogs.js';

export interface AnswerIo {
  /** The pane's visible lines now. */
  capture(): Promise<string[]>;
  /** tmux key names, sent in order (`send-keys -t PANE k1 k2 …`). */
  sendKeys(keys: string[]): Promise<void>;
  /** The agent's state on a screen (its detection rules). */
  classify(lines: string[]): SessionState | 'unknown';
  sleep?: (ms: number) => Promise<void>;
}

export interface AnswerOutcome {
  outcome: 'answered' | 'refused' | 'unconfirmed';
  message: string;
  state: SessionState | 'unknown' | null;
  dialog: ScreenDialog | null;
  /** The option picked, when keys were sent. */
  option: { n: number; label: string } | null;
}

/** How long the screen may take to show the answer taken (an agent repaints within a second). */
export const VERIFY_MS = 5000;
const VERIFY_POLL_MS = 100;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function answerDialog(io: AnswerIo, dialogs: readonly CompiledDialog[], req: { option: number; dialogId?: string }, verifyMs = VERIFY_MS): Promise<AnswerOutcome> {
  const sleep = io.sleep ?? realSleep;
  const refuse = (message: string, dialog: ScreenDialog | null): AnswerOutcome => ({ outcome: 'refused', message, state: null, dialog, option: null });
  if (dialogs.length === 0) return refuse('agents.yaml defines no dialogs for this agent, so nothing can be answered from the console', null);
  const before = readDialog({ lines: await io.capture(), title: '' }, dialogs);
  if (!before) return refuse('no dialog is on the screen any more (it was answered or closed)', null);
  if (req.dialogId && before.id !== req.dialogId) return refuse(`the dialog on the screen changed since it was read (now: "${before.question}"); read it again`, before);
  const option = before.options.find((o) => o.n === req.option);
  if (!option) return refuse(`"${before.question}" has no option ${req.option} (options ${before.options.map((o) => o.n).join(', ')})`, before);
  if (!option.offered) return refuse(`option ${option.n} ("${option.label}") needs typing in the terminal; open the session to answer it`, before);

  const spec = dialogs.find((d) => d.spec.id === before.dialogId)!.spec;
  await io.sendKeys(spec.keys.map((k) => k.replace('{n}', String(option.n))));
  const picked = { n: option.n, label: option.label };

  let lines: string[] = [];
  for (let waited = 0; waited <= verifyMs; waited += VERIFY_POLL_MS) {
    await sleep(VERIFY_POLL_MS);
    lines = await io.capture();
    const now = readDialog({ lines, title: '' }, dialogs);
    if (!now || now.id !== before.id) {
      const state = io.classify(lines);
      return { outcome: 'answered', message: `answered "${before.question}" with ${option.n}. ${option.label}; the agent is ${state} now`, state, dialog: before, option: picked };
    }
  }
  return {
    outcome: 'unconfirmed',
    message: `sent the keys for ${option.n}. ${option.label}, but the dialog is still on the screen after ${verifyMs / 1000} s`,
    state: io.classify(lines),
    dialog: before,
    option: picked,
  };
}

export function dialogView(d: ScreenDialog): DialogView {
  return { id: d.id, dialogId: d.dialogId, kind: d.kind, question: d.question, context: d.context, options: d.options };
}
