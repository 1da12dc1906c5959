// Opt-in (ARCHITECT_AGENT_CLIS, like real-agents.test.ts): the limit resumer against
// the real Codex CLI through the model stub, watched by a real console core. The stub
// answers a usage limit whose reset is a few seconds ahead; Codex prints it ("try
// again at 9:17 PM."); the session reads error/limit with that reset, and once it has
// passed the console types "continue" — once — and records the decision.
// Codex, because it is the CLI that prints a reset time for such a limit: Claude Code
// prints one only under a subscription login (and 2.1.3xx then continues by itself),
// and Gemini CLI waits out a short retry delay on its own, showing it as working.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandInput, CommandName, CommandResult, Session } from '../../../src/shared/api.js';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { openStore } from '../../../src/main/store/store.js';
import { defaultConfigDir } from '../../../src/main/paths.js';
import { RESUME_GRACE_MS } from '../../../src/main/sessions/limit-resumer.js';
import { prepareAgent } from '../../support/agent-stub/agent-launch.js';
import { AgentTmux, sleep } from '../../support/agent-stub/agent-pane.js';
import { startModelStub, type ModelStub } from '../../support/agent-stub/model-stub.js';
import { pollUntil } from '../../support/poll.js';

const CLI_ROOT = process.env.ARCHITECT_AGENT_CLIS ?? '';
const START_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 30_000;
/** The stub's reset: this far ahead of the limited request. */
const RESET_S = 5;
/** The printed reset is to the minute: the resumer types up to a minute and its grace after it. */
const RESUME_WAIT_MS = 60_000 + RESUME_GRACE_MS + STEP_TIMEOUT_MS;

describe.skipIf(!CLI_ROOT)('resuming a real agent after its usage limit resets (ARCHITECT_AGENT_CLIS)', () => {
  let stub: ModelStub;
  let root: string;

  beforeAll(async () => {
    stub = await startModelStub({ slowMs: 2000, limitResetS: RESET_S });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-real-resume-'));
  });
  afterAll(async () => {
    await stub?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('codex: a limit reads error/limit with its reset; after the reset "continue" is typed once and recorded', async () => {
    const launch = prepareAgent('codex', CLI_ROOT, stub.url, root);
    const tmux = new AgentTmux();
    const configDir = path.join(root, 'config');
    fs.cpSync(defaultConfigDir(), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    // The opt-in, as a user writes it in agents.yaml.
    const agentsYaml = path.join(configDir, 'base', 'agents.yaml');
    const yaml = fs.readFileSync(agentsYaml, 'utf8');
    expect(yaml).toContain('    display_name: Codex CLI\n');
    fs.writeFileSync(agentsYaml, yaml.replace('    display_name: Codex CLI\n', '    display_name: Codex CLI\n    resume_after_limit: true\n'));
    let core: Core | null = null;
    try {
      const pane = await tmux.start('codex', launch);
      core = await startCore({
        configDir, dbPath: path.join(root, 'architect.db'), dataDir: root, env: null, tmuxSockets: [tmux.socket], watchDefaultTmux: false,
        log: silentLogger, runtime: 'node', transport: 'websocket', dispatch: true,
      });
      const call = async <N extends CommandName>(name: N, params: CommandInput<N>): Promise<CommandResult<N>> =>
        (core!.handlers[name] as (p: unknown) => CommandResult<N> | Promise<CommandResult<N>>)(params);
      const session = async (): Promise<Session | undefined> => (await call('sessions.list', {})).sessions.find((s) => s.name === 'codex');
      const until = (what: string, test: (s: Session) => boolean, limitMs = STEP_TIMEOUT_MS) =>
        pollUntil(`codex to be ${what}`, async () => {
          const s = await session();
          return s && test(s) ? s : null;
        }, { limitMs, intervalMs: 150 });

      await until('idle', (s) => s.state === 'idle', START_TIMEOUT_MS);
      await sleep(1000); // the prompt takes keys a beat after it is drawn
      const typedAt = Date.now();
      await tmux.type(pane, 'LIMIT summarise the project');
      const limited = await until('at its limit', (s) => s.state === 'error' && s.detail?.kind === 'limit' && s.detail.resetAt !== null);
      // Printed to the minute: the reset read is the stub's reset, truncated.
      const resetAt = Date.parse(limited.detail!.resetAt!);
      expect(resetAt).toBeGreaterThan(typedAt - 60_000);
      expect(resetAt).toBeLessThanOrEqual(typedAt + RESET_S * 1000 + 2000);
      expect(limited.detail!.message).toMatch(/usage limit/);
      expect(stub.requests.some((r) => r.prompt === 'continue'), 'nothing typed before the reset').toBe(false);

      // After the reset (and the grace) the console types "continue" into the pane: the
      // agent's next request carries it, and the turn it starts ends idle.
      await pollUntil('"continue" to reach the model', () => stub.requests.some((r) => r.prompt === 'continue'), { limitMs: RESUME_WAIT_MS, intervalMs: 250 });
      expect(Date.now()).toBeGreaterThanOrEqual(resetAt + RESUME_GRACE_MS);
      await until('idle after the resumed turn', (s) => s.state === 'idle');

      const store = openStore({ path: path.join(root, 'architect.db'), logger: silentLogger });
      try {
        const rows = store.reader.prepare("SELECT decision, reason FROM decisions WHERE kind = 'limit_resume' ORDER BY id").all() as Array<{ decision: string; reason: string }>;
        expect(rows).toEqual([{ decision: 'resumed', reason: expect.stringMatching(/^usage limit reset at .*: sent "continue"$/) as string }]);
      } finally {
        store.close();
      }
      // Once: one "continue" reached the model.
      expect(stub.requests.filter((r) => r.prompt === 'continue').length).toBe(1);
    } finally {
      await core?.stop();
      await tmux.stop();
    }
  }, START_TIMEOUT_MS + RESUME_WAIT_MS + 4 * STEP_TIMEOUT_MS);
});

if (!CLI_ROOT) {
  describe('resuming a real agent after its limit', () => {
    it.skip('skipped: set ARCHITECT_AGENT_CLIS to a folder with the CLIs installed', () => {});
  });
}
