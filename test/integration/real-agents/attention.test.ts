// Opt-in (ARCHITECT_AGENT_CLIS, like real-agents.test.ts): the real Claude Code, Codex
// and Gemini CLIs against the model stub, watched by a real console core. Their
// approval dialogs are answered Yes and No from the Attention inbox, and a question
// form is answered, each followed by the right state; an answer to a dialog that has
// gone is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxItem } from '../../../src/shared/attention.js';
import type { CommandInput, CommandName, CommandResult, Session } from '../../../src/shared/api.js';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore } from '../../../src/main/store/store.js';
import { defaultConfigDir } from '../../../src/main/paths.js';
import { prepareAgent, REAL_AGENTS } from '../../support/agent-stub/agent-launch.js';
import { AgentTmux, sleep } from '../../support/agent-stub/agent-pane.js';
import { startModelStub, type ModelStub } from '../../support/agent-stub/model-stub.js';
import { pollUntil } from '../../support/poll.js';

const CLI_ROOT = process.env.ARCHITECT_AGENT_CLIS ?? '';
const START_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 30_000;
/** A CLI draws its prompt before it listens to keys (Gemini CLI drops an Enter typed in its first second). */
const STARTUP_SETTLE_MS = 2000;
const ENTER_RETRIES = 3;

describe.skipIf(!CLI_ROOT)('answering real agents from the Attention inbox (ARCHITECT_AGENT_CLIS)', () => {
  let stub: ModelStub;
  let root: string;

  beforeAll(async () => {
    stub = await startModelStub({ slowMs: 3000 });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-real-attention-'));
  });
  afterAll(async () => {
    await stub?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it.each(REAL_AGENTS)('%s: approval answered Yes, then No, a question form answered, a stale answer refused', async (agent) => {
    const dir = path.join(root, agent);
    const launch = prepareAgent(agent, CLI_ROOT, stub.url, dir);
    const tmux = new AgentTmux();
    const configDir = path.join(dir, 'config');
    fs.cpSync(defaultConfigDir(), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    let core: Core | null = null;
    try {
      const pane = await tmux.start(agent, launch);
      core = await startCore({
        configDir, dbPath: path.join(dir, 'architect.db'), dataDir: dir, env: null, tmuxSockets: [tmux.socket], watchDefaultTmux: false,
        log: silentLogger, runtime: 'node', transport: 'websocket', dispatch: false,
      });
      const call = async <N extends CommandName>(name: N, params: CommandInput<N>): Promise<CommandResult<N>> =>
        (core!.handlers[name] as (p: unknown) => CommandResult<N> | Promise<CommandResult<N>>)(params);
      const session = async (): Promise<Session | undefined> => (await call('sessions.list', {})).sessions.find((s) => s.name === agent);
      const state = async (): Promise<string> => (await session())?.state ?? 'gone';
      const until = async (what: string, want: string, limitMs = STEP_TIMEOUT_MS): Promise<void> => {
        try {
          await pollUntil(`${agent} to be ${what}`, async () => (await state()) === want, { limitMs, intervalMs: 150 });
        } catch (err) {
          const s = await session();
          throw new Error(`${(err as Error).message}; it is ${s?.state} (${s?.reason}), screen:\n${(await tmux.screen(pane)).text}`);
        }
      };
      const inboxItem = (kind: string) =>
        pollUntil(`${agent}'s ${kind} dialog in the inbox`, async () => (await call('attention.inbox', {})).items.find((i: InboxItem) => i.name === agent && i.dialog?.kind === kind), { limitMs: STEP_TIMEOUT_MS, intervalMs: 200 });
      const submit = async (text: string): Promise<void> => {
        await tmux.type(pane, text);
        for (let i = 0; i < ENTER_RETRIES; i++) {
          try {
            await pollUntil('the prompt taken', async () => (await state()) !== 'idle', { limitMs: 3000, intervalMs: 100 });
            return;
          } catch {
            await tmux.keys(pane, 'Enter');
          }
        }
      };
      const answer = async (item: InboxItem, option: number) => call('attention.answer', { sessionId: item.sessionId, option, dialogId: item.dialog!.id, by: 'the real-agent test' });

      await until('idle', 'idle', START_TIMEOUT_MS);
      await sleep(STARTUP_SETTLE_MS);

      // Yes: the command runs, its result goes back to the model, the turn ends idle.
      await submit('TOOL delete the build folder');
      const approval = await inboxItem('approval');
      expect(approval.dialog!.options.length).toBeGreaterThanOrEqual(2);
      const requestsBefore = stub.requests.length;
      const yes = await answer(approval, 1);
      expect(yes.outcome, yes.message).toBe('answered');
      await until('idle after Yes', 'idle');
      expect(stub.requests.length, 'the tool result went back to the model').toBeGreaterThan(requestsBefore);

      // The dialog answered is gone: the same answer again is refused and types nothing.
      const stale = await answer(approval, 1);
      expect(stale.outcome).toBe('refused');
      expect(stale.message).toMatch(/no dialog is on the screen any more|changed since it was read/);

      // No: nothing runs, nothing goes back to the model, the agent is idle.
      await submit('TOOL delete the build folder');
      const again = await inboxItem('approval');
      const requestsBeforeNo = stub.requests.length;
      const no = await answer(again, again.dialog!.options.length);
      expect(no.outcome, no.message).toBe('answered');
      await until('idle after No', 'idle');
      await sleep(1000);
      expect(stub.requests.length, 'nothing went back to the model').toBe(requestsBeforeNo);
      expect((await tmux.screen(pane)).text).toMatch(/Interrupted|canceled|cancelled|Request cancelled|suggest changes/i);

      // A question form: the second choice is picked and the agent carries on.
      if (agent === 'codex') await enterPlanMode(tmux, pane);
      await submit('ASK which folder to clean');
      const question = await inboxItem('question');
      expect(question.dialog!.question).toBe('Which folder should I clean?');
      expect(question.dialog!.options.slice(0, 2).map((o) => o.label)).toEqual(['build-output', 'dist']);
      const picked = await answer(question, 2);
      expect(picked.outcome, picked.message).toBe('answered');
      await until('idle after the answer', 'idle');
      expect((await tmux.screen(pane)).text).toMatch(/→ dist|answer: dist/);

      // Every answer is in decisions, with who gave it: three answered, one refused.
      const store = openStore({ path: path.join(dir, 'architect.db'), logger: silentLogger });
      try {
        const rows = store.reader.prepare("SELECT decision, reason FROM decisions WHERE kind = 'answer' AND session_id = ? ORDER BY id").all(approval.sessionId) as Array<{ decision: string; reason: string }>;
        expect(rows.map((r) => r.decision.split(' ')[0])).toEqual(['answered', 'refused', 'answered', 'answered']);
        expect(rows.every((r) => r.reason.startsWith('the real-agent test answered'))).toBe(true);
      } finally {
        store.close();
      }
    } finally {
      await core?.stop();
      await tmux.stop();
    }
  }, START_TIMEOUT_MS + 12 * STEP_TIMEOUT_MS);
});

/** Codex asks questions only in Plan mode (Shift+Tab cycles the modes). */
async function enterPlanMode(tmux: AgentTmux, pane: string): Promise<void> {
  for (let i = 0; i < 4; i++) {
    if ((await tmux.screen(pane)).text.includes('Plan mode')) return;
    await tmux.keys(pane, 'BTab');
    await sleep(700);
  }
  throw new Error('codex did not enter Plan mode');
}

