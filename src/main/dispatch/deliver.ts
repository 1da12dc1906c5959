// The I/O half of dispatch: run planDispatch's steps against tmux and keep
// pressing Enter (a bounded number of times) until judgeDelivery says the agent
// took the prompt. tmux is spawned with an argument array; no shell ever sees
// the prompt, which arrives on tmux's stdin.
import { spawn } from 'node:child_process';
import type { SessionState } from '../../shared/api.js';
import { PASTE_SETTLE_MS, judgeDelivery, planDispatch, tmuxArgs, type DispatchStep } from './plan.js';

/** An agent may take a second to repaint after Enter; look this often for that long before pressing again. */
export const CONFIRM_POLL_MS = 100;
export const CONFIRM_WINDOW_MS = 1500;
export const DEFAULT_MAX_ENTER_RETRIES = 2;
/** A tmux command that takes longer than this is stuck (a dead server socket). */
const TMUX_TIMEOUT_MS = 5000;

export interface TmuxServer {
  /** `-L` socket name; null for the default server. */
  socketName: string | null;
}

export interface DeliverOptions {
  /** The session monitor's classifier, bound to the agent's rules. */
  classify: (screen: string) => SessionState;
  maxEnterRetries?: number;
  /** Injected so tests can shorten the waits; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  confirmWindowMs?: number;
}

export interface DeliveryResult {
  outcome: 'taken' | 'failed';
  /** Enter presses made, the first included. */
  enterPresses: number;
  reason: string;
  /** The last screen read, for the task's history. */
  screen: string;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function runTmux(server: TmuxServer, args: string[], stdin?: string): Promise<string> {
  const full = server.socketName ? ['-L', server.socketName, ...args] : args;
  return new Promise((resolve, reject) => {
    const withStdin = stdin !== undefined;
    const child = spawn('tmux', full, { stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], timeout: TMUX_TIMEOUT_MS });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`tmux ${args[0] ?? ''} failed (exit ${code ?? 'signal'}): ${err.trim() || 'no message'}`));
    });
    if (child.stdin) {
      // tmux failing before it read the prompt shows as EPIPE here; its exit code tells why.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
  });
}

export async function deliverPrompt(
  server: TmuxServer,
  target: { name: string; paneId: string },
  prompt: string,
  options: DeliverOptions,
): Promise<DeliveryResult> {
  const sleep = options.sleep ?? realSleep;
  const maxRetries = options.maxEnterRetries ?? DEFAULT_MAX_ENTER_RETRIES;
  const window = options.confirmWindowMs ?? CONFIRM_WINDOW_MS;
  const capture = (paneId: string) => runTmux(server, ['capture-pane', '-p', '-t', paneId]);

  // The monitor's state may be a second old: look again right before typing.
  const first = await capture(target.paneId);
  const plan = planDispatch({ ...target, state: options.classify(first) }, prompt);
  if (!plan.ok) return { outcome: 'failed', enterPresses: 0, reason: plan.reason, screen: first };

  let before = first;
  let after = first;
  let presses = 0;
  const run = async (step: DispatchStep): Promise<void> => {
    if (step.op === 'wait') return sleep(step.ms);
    const args = tmuxArgs(step);
    if (!args) return;
    const out = await runTmux(server, args, step.op === 'load-buffer' ? step.text : undefined);
    if (step.op === 'send-keys') presses++;
    if (step.op === 'capture') {
      if (step.as === 'before') before = out;
      else after = out;
    }
  };
  for (const step of plan.steps) await run(step);

  for (;;) {
    // Poll a short while: a busy agent repaints late, and an early look would press Enter twice.
    let judged = judgeDelivery(before, after, options.classify(after));
    for (let waited = 0; judged.verdict === 'retry-enter' && waited < window; waited += CONFIRM_POLL_MS) {
      await sleep(CONFIRM_POLL_MS);
      after = await capture(target.paneId);
      judged = judgeDelivery(before, after, options.classify(after));
    }
    if (judged.verdict === 'taken') return { outcome: 'taken', enterPresses: presses, reason: judged.reason, screen: after };
    if (judged.verdict === 'failed') return { outcome: 'failed', enterPresses: presses, reason: judged.reason, screen: after };
    if (presses > maxRetries) {
      return { outcome: 'failed', enterPresses: presses, reason: `${judged.reason} after ${presses} Enter presses`, screen: after };
    }
    await run({ op: 'send-keys', target: target.paneId, keys: 'Enter' });
    await sleep(PASTE_SETTLE_MS);
    after = await capture(target.paneId);
  }
}
