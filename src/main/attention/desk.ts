// The answer desk: reads the dialog on a waiting agent's screen and answers it, one
// answer per session at a time, each recorded in `decisions` with who answered. The
// console and the CLI each hold one, over the tmux servers they watch.
import type { Session, SessionState } from '../../shared/api.js';
import type { AgentsFile } from '../config/schemas/agents.js';
import { classify } from '../sessions/classify.js';
import { compileManifests } from '../sessions/manifests.js';
import type { TaskStore } from '../store/task-store.js';
import { runTmux, type TmuxServer } from '../tmux/server.js';
import { answerDialog, type AnswerOutcome } from './answer.js';
import { compileDialogs, readDialog, type CompiledDialog, type ScreenDialog } from './dialogs.js';

/** A dialog read this recently is not read again (the inbox and an event may ask at once). */
const READ_CACHE_MS = 250;
/** A tmux command that takes longer is stuck. */
const TMUX_TIMEOUT_MS = 5000;

type Target = Pick<Session, 'id' | 'name' | 'server' | 'paneId' | 'agent' | 'currentTaskId'>;

export class AnswerDesk {
  private readonly compiled = new WeakMap<AgentsFile, Map<string, CompiledDialog[]>>();
  private readonly cache = new Map<string, { atMs: number; dialog: ScreenDialog | null }>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: {
      agents: () => AgentsFile | null;
      server: (name: string) => TmuxServer | undefined;
      /** Where answers are recorded (`decisions`): the console's or CLI's task store, on either engine; null records nothing. */
      decisions: Pick<TaskStore, 'record'> | null;
      /** The task the session holds, for its answer's record (default: the session's currentTaskId). */
      taskOf?: (session: Target) => Promise<number | null>;
    },
  ) {}

  dialogsOf(agent: string): CompiledDialog[] {
    const file = this.deps.agents();
    if (!file) return [];
    let byAgent = this.compiled.get(file);
    if (!byAgent) this.compiled.set(file, (byAgent = new Map()));
    let list = byAgent.get(agent);
    if (!list) byAgent.set(agent, (list = compileDialogs(Object.hasOwn(file.agents, agent) ? file.agents[agent]!.dialogs : [])));
    return list;
  }

  /** The dialog on the session's screen now (null: none, no dialogs for the agent, or the pane is gone). */
  async readDialog(session: Target): Promise<ScreenDialog | null> {
    const dialogs = this.dialogsOf(session.agent);
    if (dialogs.length === 0) return null;
    const hit = this.cache.get(session.id);
    if (hit && Date.now() - hit.atMs < READ_CACHE_MS) return hit.dialog;
    let dialog: ScreenDialog | null = null;
    try {
      dialog = readDialog({ lines: await this.capture(session), title: '' }, dialogs);
    } catch {
      dialog = null; // the pane closed in between
    }
    this.cache.set(session.id, { atMs: Date.now(), dialog });
    if (this.cache.size > 1000) this.cache.clear();
    return dialog;
  }

  /** Answers option N, if the dialog (and `dialogId`) is still on the screen; recorded in `decisions`. */
  answer(session: Target, req: { option: number; dialogId?: string }, by: string): Promise<AnswerOutcome> {
    const before = this.locks.get(session.id) ?? Promise.resolve();
    const run = before.then(() => this.answerNow(session, req, by));
    const settled = run.catch(() => undefined);
    this.locks.set(session.id, settled);
    void settled.then(() => {
      if (this.locks.get(session.id) === settled) this.locks.delete(session.id);
    });
    return run;
  }

  private async answerNow(session: Target, req: { option: number; dialogId?: string }, by: string): Promise<AnswerOutcome> {
    this.cache.delete(session.id);
    const server = this.deps.server(session.server);
    if (!server) return { outcome: 'refused', message: `tmux server "${session.server}" is not watched`, state: null, dialog: null, option: null };
    const file = this.deps.agents();
    const agent = file ? compileManifests(file).byName.get(session.agent) : undefined;
    const outcome = await answerDialog(
      {
        capture: () => this.capture(session),
        sendKeys: async (keys) => void (await runTmux(server, ['send-keys', '-t', session.paneId, ...keys], { timeoutMs: TMUX_TIMEOUT_MS })),
        classify: (lines): SessionState | 'unknown' => (agent ? classify({ lines, title: '' }, agent).state : 'unknown'),
      },
      this.dialogsOf(session.agent),
      req,
    );
    this.cache.delete(session.id);
    await this.record(session, outcome, by);
    return outcome;
  }

  private async record(session: Target, o: AnswerOutcome, by: string): Promise<void> {
    const decisions = this.deps.decisions;
    if (!decisions) return;
    const question = o.dialog ? `"${o.dialog.question}"` : 'a dialog';
    const decision = o.option ? `${o.outcome} ${o.option.n}. ${o.option.label}` : o.outcome;
    const entry = {
      kind: 'answer' as const,
      session: session.id,
      decision: decision.slice(0, 200),
      reason: `${by} answered ${question} on ${session.name}: ${o.message}`.slice(0, 1000),
    };
    const now = new Date();
    try {
      await decisions.record({ ...entry, taskId: this.deps.taskOf ? await this.deps.taskOf(session) : session.currentTaskId }, now);
    } catch {
      // The task went away meanwhile (its id no longer satisfies the foreign key): keep the answer's record.
      await decisions.record({ ...entry, taskId: null }, now);
    }
  }

  private async capture(session: Target): Promise<string[]> {
    const server = this.deps.server(session.server);
    if (!server) throw new Error(`tmux server "${session.server}" is not watched`);
    const text = await runTmux(server, ['capture-pane', '-p', '-J', '-t', session.paneId], { timeoutMs: TMUX_TIMEOUT_MS });
    return text.split('\n');
  }
}
