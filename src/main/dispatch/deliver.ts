// The I/O half of dispatch: run planDispatch's steps against tmux and keep
// pressing Enter (a bounded number of times) until judgeDelivery says the agent
// took the prompt. tmux runs with an argument array (over ssh for a remote server,
// each argument quoted by the shared runner); no shell ever sees the prompt, which
// arrives on tmux's stdin or as one quoted argument on a control client's line.
//
// With an open control-mode client of the pane's server (`commander`: the session
// monitor keeps one per tmux session), every step runs over it and no process starts:
// the screen reads, paste-buffer and send-keys are command lines of fixed words and a
// checked pane id, and the prompt goes as `set-buffer -- "…"`, quoted for tmux's
// command parser so that any text stays one argument on one line (command-quote.ts).
// On a remote host that is no ssh command per dispatch instead of six or more; locally
// no spawn from the console's big process (docs/agents.md). Without a client each
// step is a tmux process, the prompt on `load-buffer -`'s stdin.
import type { SessionState } from '../../shared/api.js';
import { tmuxQuoted } from '../tmux/command-quote.js';
import { runTmux as runOnServer, tmuxServer, type TmuxServer as WatchedServer } from '../tmux/server.js';
import { PASTE_SETTLE_MS, judgeDelivery, planDispatch, tmuxArgs, type DispatchStep } from './plan.js';

/** An agent may take a second to repaint after Enter; look this often for that long before pressing again. */
export const CONFIRM_POLL_MS = 100;
export const CONFIRM_WINDOW_MS = 1500;
export const DEFAULT_MAX_ENTER_RETRIES = 2;
/** A tmux command that takes longer than this is stuck (a dead server socket). */
const TMUX_TIMEOUT_MS = 5000;

/** A watched server (local or over ssh), or a local one by its `-L` socket name (null: the default server). */
export type TmuxServer = WatchedServer | { socketName: string | null };

/** The commander has gone away (read fresh: it may close during a command). */
function gone(client: TmuxCommander): boolean {
  return client.alive === false;
}

function resolveServer(server: TmuxServer): WatchedServer {
  return 'name' in server ? server : tmuxServer(server.socketName);
}

/** A live tmux control-mode client of the pane's server (the monitor's): commands over it start no process. */
export interface TmuxCommander {
  /** false once the client has gone away (a ControlClient says so; a plain commander need not). */
  readonly alive?: boolean;
  command(line: string): Promise<string[]>;
}

/** Arguments tmux's command parser reads as they are (pane ids, buffer and key names): no quoting needed. */
const PLAIN_ARG = /^[A-Za-z0-9_%:.@-]+$/;

export interface DeliverOptions {
  /**
   * A live control client of the server, when there is one: screen reads, the paste and
   * key presses go over it instead of a tmux process each (a delivery polls the screen
   * every 100 ms; spawning a process from a console of a few hundred MB costs the main
   * thread milliseconds each: 45 s of 71 s in a profile under load; on a remote host each
   * process is an ssh command). The prompt goes over it too, as `set-buffer`: its
   * `load-buffer -` was still 8 of 95 s of main-thread time in a profile of
   * console_under_load (load 12-15), spawn alone. tmux 3.3 runs these commands for the
   * monitor's read-only clients; one that refuses them is answered by running tmux instead.
   */
  commander?: () => TmuxCommander | null;
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
  return runOnServer(resolveServer(server), args, { stdin, timeoutMs: TMUX_TIMEOUT_MS });
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
  /**
   * A step that carries no text runs over the monitor's control client when there is
   * one, else as a tmux process (on a remote host: an ssh command); the prompt's is
   * loadBuffer below. A screen read whose client went away under it is
   * read again by process; a paste or a key press is not sent twice (it may have run)
   * unless tmux refused it outright (a client it treats as read-only).
   */
  const tmux = async (args: string[]): Promise<string> => {
    const client = args.every((a) => PLAIN_ARG.test(a)) ? options.commander?.() : null;
    if (client && client.alive !== false) {
      try {
        // The same text as the process prints: its lines, each ending in a newline.
        return (await client.command(args.join(' '))).map((l) => `${l}\n`).join('');
      } catch (err) {
        const refused = /read-only/i.test(err instanceof Error ? err.message : String(err));
        const readAgain = gone(client) && args[0] === 'capture-pane';
        if (!refused && !readAgain) throw err;
      }
    }
    return runTmux(server, args);
  };
  const capture = (paneId: string) => tmux(['capture-pane', '-p', '-t', paneId]);
  /**
   * The prompt into its named buffer: over the client as one quoted argument, else on a
   * process's stdin. set-buffer only sets that buffer, so after any failure on the
   * client (refused, closed under it) loading it again by exec is harmless.
   */
  const loadBuffer = async (buffer: string, text: string): Promise<void> => {
    const client = options.commander?.();
    const quoted = tmuxQuoted(text);
    if (client && client.alive !== false && quoted !== null && PLAIN_ARG.test(buffer)) {
      try {
        await client.command(`set-buffer -b ${buffer} -- ${quoted}`);
        return;
      } catch {
        // loaded again by exec below
      }
    }
    await runTmux(server, ['load-buffer', '-b', buffer, '-'], text);
  };

  // The monitor's state may be a second old: look again right before typing.
  const first = await capture(target.paneId);
  const plan = planDispatch({ ...target, state: options.classify(first) }, prompt);
  if (!plan.ok) return { outcome: 'failed', enterPresses: 0, reason: plan.reason, screen: first };

  let before = first;
  let after = first;
  let presses = 0;
  const run = async (step: DispatchStep): Promise<void> => {
    if (step.op === 'wait') return sleep(step.ms);
    if (step.op === 'load-buffer') return loadBuffer(step.buffer, step.text);
    const args = tmuxArgs(step);
    if (!args) return;
    const out = await tmux(args);
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
