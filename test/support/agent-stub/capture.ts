// Captures real agent screens for the rule fixtures: starts each installed CLI against
// the model stub in a private tmux server, steers it through its states by what it
// types, and writes test/fixtures/screens/<agent>-<version>-<state>-captured.txt
// (capture-pane -p -J) and .title (#{pane_title}).
//   npx tsx test/support/agent-stub/capture.ts [CLI_ROOT] [claude|codex|gemini]…
// CLI_ROOT defaults to $ARCHITECT_AGENT_CLIS, then /root/.cache/architect-agents
// (npm install --prefix CLI_ROOT @anthropic-ai/claude-code @openai/codex @google/gemini-cli).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareAgent, REAL_AGENTS, type RealAgent } from './agent-launch.js';
import { AgentTmux, sleep } from './agent-pane.js';
import { startModelStub } from './model-stub.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCREENS = path.resolve(here, '../../fixtures/screens');
/** Long enough to read the working screen well inside the delay. */
const SLOW_MS = 8000;
/** A fixed project path keeps the captured screens stable between runs. */
const ROOT = '/tmp/architect-capture';

/** Per agent: what marks a dialog on screen (so the capture waits for it, not a guess). */
const APPROVAL: Record<RealAgent, RegExp> = {
  claude: /Do you want to proceed\?/,
  codex: /Would you like to run the following command\?/,
  gemini: /Allow execution of/,
};
const READY: Record<RealAgent, RegExp> = {
  claude: /^❯/m,
  codex: /^› Ask Codex/m,
  gemini: /Type your message/,
};

/** Gemini CLI retries 429 and 5xx for minutes (its screen says working meanwhile), so only 401 ends in an error screen. */
const ERRORS: Record<RealAgent, Array<[string, string]>> = {
  claude: [['ERR401', 'error-auth'], ['ERR429', 'error-rate-limit'], ['ERR500', 'error-server']],
  codex: [['ERR401', 'error-auth'], ['ERR429', 'error-rate-limit'], ['ERR500', 'error-server']],
  gemini: [['ERR401', 'error-auth']],
};

/**
 * Round 2 (issue 15): errors that end a turn, retries, usage limits. Each step types
 * a marker prompt, waits for what the screen must show, and saves it; `keys` are
 * pressed after saving (to leave a dialog), `then` names a second capture after them.
 */
interface ErrorStep {
  marker: string;
  name: string;
  /** What the saved screen must show (the capture waits for it). */
  shows: RegExp;
  keys?: string[];
  then?: { name: string; shows: RegExp };
  /** What a newer release shows instead of `shows` (then captured, with its own keys and `then`). */
  instead?: Omit<ErrorStep, 'marker' | 'instead'>;
}
const ERROR_STEPS: Record<RealAgent, Array<{ retries: number; oauth?: boolean; steps: ErrorStep[] }>> = {
  claude: [
    {
      retries: 2,
      steps: [
        { marker: 'ERRBILL', name: 'error-billing', shows: /Credit balance too low[\s\S]*\n❯[^\n]*\n/ },
        { marker: 'ERR400', name: 'error-invalid-request', shows: /API Error: 400[\s\S]*\n❯[^\n]*\n/ },
        { marker: 'ERRCTX', name: 'error-context', shows: /Context limit reached[\s\S]*\n❯[^\n]*\n/ },
        { marker: 'FLAKY', name: 'working-retrying', shows: /[Rr]etrying in/ },
        { marker: 'ERR529', name: 'error-overloaded', shows: /API Error: 529[\s\S]*\n❯[^\n]*\n/ },
      ],
    },
    {
      // A subscription (OAuth) login is what gets the usage-limit screen with its reset time.
      retries: 0,
      oauth: true,
      // 2.1.3xx opens no dialog: it prints the limit and continues by itself at the reset
      // ("Continuing automatically at 10:22pm · Esc to cancel"); Esc cancels that.
      steps: [{
        marker: 'LIMIT', name: 'limit-dialog', shows: /Stop and wait for limit to reset/, keys: ['Enter'], then: { name: 'limit', shows: /resets[\s\S]*\n❯[^\n]*\n[\s\S]*for shortcuts/ },
        instead: { name: 'limit-auto-continue', shows: /Continuing automatically at[^\n]*Esc to cancel/, keys: ['Escape'], then: { name: 'limit', shows: /resets[\s\S]*\n❯[^\n]*\n[\s\S]*for shortcuts(?![\s\S]*Continuing automatically)/ } },
      }],
    },
  ],
  codex: [
    {
      retries: 0,
      steps: [
        { marker: 'ERRBILL', name: 'error-billing', shows: /■ Quota exceeded/ },
        { marker: 'ERR400', name: 'error-invalid-request', shows: /■ \{"error"/ },
        { marker: 'ERRCTX', name: 'error-context', shows: /■ Codex ran out of room/ },
        { marker: 'ERR529', name: 'error-overloaded', shows: /■ Selected model is at capacity/ },
        { marker: 'LIMIT', name: 'limit', shows: /■ You’ve hit your usage limit[\s\S]*try again at/ },
      ],
    },
  ],
  gemini: [
    {
      retries: 0,
      steps: [
        { marker: 'ERRBILL', name: 'error-billing', shows: /PERMISSION_DENIED[\s\S]*Type your message/ },
        { marker: 'ERR400', name: 'error-invalid-request', shows: /Request contains an invalid\s+argument[\s\S]*Type your message/ },
        { marker: 'ERRCTX', name: 'error-context', shows: /The input token count[\s\S]*Type your message/ },
        { marker: 'LIMIT', name: 'limit-dialog', shows: /Access resets at[\s\S]*Keep trying/, keys: ['2'], then: { name: 'limit', shows: /Type your message/ } },
      ],
    },
  ],
};

const args = process.argv.slice(2);
const cliRoot = args.find((a) => a.startsWith('/')) ?? process.env.ARCHITECT_AGENT_CLIS ?? '/root/.cache/architect-agents';
const agents = REAL_AGENTS.filter((a) => args.includes(a) || args.every((x) => x.startsWith('/') || x.startsWith('--')));

const round2 = args.includes('--round2');
const background = args.includes('--background');
for (const agent of agents) {
  if (round2) {
    await captureErrors(agent);
    continue;
  }
  if (background) {
    if (agent === 'claude') await captureBackground();
    continue;
  }
  await captureAgent(agent);
  // Codex 0.169 asks about trust only inside a git repository: its trust screen stays synthetic.
  if (agent !== 'codex') await captureTrust(agent);
}

/** A CLI started in a folder it does not trust opens on its trust dialog. */
async function captureTrust(agent: RealAgent): Promise<void> {
  fs.rmSync(ROOT, { recursive: true, force: true });
  const stub = await startModelStub();
  const tmux = new AgentTmux();
  try {
    const launch = prepareAgent(agent, cliRoot, stub.url, ROOT, { trusted: false });
    const pane = await tmux.start(agent, launch);
    await tmux.waitFor(pane, 'the trust dialog', (s) => /trust/i.test(s.text), 60_000);
    await sleep(2000);
    await saveScreen(tmux, pane, `${agent}-${launch.version}-trust-captured`);
  } finally {
    await tmux.stop();
    await stub.close();
    fs.rmSync(ROOT, { recursive: true, force: true });
  }
}

async function saveScreen(tmux: AgentTmux, pane: string, name: string): Promise<void> {
  const s = await tmux.screen(pane);
  fs.writeFileSync(path.join(SCREENS, `${name}.txt`), s.text);
  fs.writeFileSync(path.join(SCREENS, `${name}.title`), s.title + '\n');
  console.log(`wrote ${name}`);
}

async function captureAgent(agent: RealAgent): Promise<void> {
  fs.rmSync(ROOT, { recursive: true, force: true });
  const stub = await startModelStub({ slowMs: SLOW_MS });
  const tmux = new AgentTmux();
  try {
    const launch = prepareAgent(agent, cliRoot, stub.url, ROOT);
    const pane = await tmux.start(agent, launch);
    const save = (state: string) => saveScreen(tmux, pane, `${agent}-${launch.version}-${state}-captured`);
    await tmux.waitFor(pane, 'the input prompt', (s) => READY[agent].test(s.text), 60_000);
    await sleep(2000); // startup notices settle
    await save('idle');

    await tmux.type(pane, 'SLOW write the release notes');
    await sleep(3000);
    await save('working');
    await sleep(SLOW_MS);
    await save('idle-after-turn');

    await tmux.type(pane, 'TOOL delete the build folder');
    await tmux.waitFor(pane, 'the approval dialog', (s) => APPROVAL[agent].test(s.text));
    await sleep(1000);
    await save('approval');
    await tmux.keys(pane, 'Escape');
    await sleep(2500);
    await save('after-interrupt');

    // Codex offers its question tool only in Plan mode (it refuses it here), so only Claude.
    if (agent === 'claude') {
      await tmux.type(pane, 'ASK which folder to clean');
      await sleep(4000);
      await save('question');
      await tmux.keys(pane, 'Escape');
      await sleep(2500);
    }

    for (const [marker, state] of ERRORS[agent]) {
      await tmux.type(pane, `${marker} summarise the project`);
      await sleep(5000);
      await save(state);
    }
    // A new turn after an error: the old error line must not outrank the work.
    await tmux.type(pane, 'SLOW write the release notes');
    await sleep(3000);
    await save('working-after-error');
    await sleep(SLOW_MS);
    await save('idle-after-error');
  } finally {
    await tmux.stop();
    await stub.close();
    fs.rmSync(ROOT, { recursive: true, force: true });
  }
}

async function captureErrors(agent: RealAgent): Promise<void> {
  for (const run of ERROR_STEPS[agent]) {
    fs.rmSync(ROOT, { recursive: true, force: true });
    const stub = await startModelStub({ slowMs: SLOW_MS, flakyFailures: 2 });
    const tmux = new AgentTmux();
    try {
      const launch = prepareAgent(agent, cliRoot, stub.url, ROOT, { retries: run.retries });
      if (run.oauth) {
        delete launch.env.ANTHROPIC_API_KEY;
        launch.env.CLAUDE_CODE_OAUTH_TOKEN = 'sk-ant-oat01-architect-stub-token';
      }
      const pane = await tmux.start(agent, launch);
      const save = (state: string) => saveScreen(tmux, pane, `${agent}-${launch.version}-${state}-captured`);
      await tmux.waitFor(pane, 'the input prompt', (s) => READY[agent].test(s.text), 60_000);
      await sleep(2000);
      for (const step of run.steps) {
        await tmux.type(pane, `${step.marker} summarise the project`);
        const alt = step.instead;
        const seen = await tmux.waitFor(pane, `${step.name}: ${step.shows}`, (s) => step.shows.test(after(s.text, step.marker)) || (alt?.shows.test(after(s.text, step.marker)) ?? false), 60_000);
        const shown = alt && !step.shows.test(after(seen.text, step.marker)) ? alt : step;
        await sleep(800); // the redraw settles
        await save(shown.name);
        if (shown.keys) {
          await tmux.keys(pane, ...shown.keys);
          if (shown.then) {
            const then = shown.then;
            await tmux.waitFor(pane, `${then.name}: ${then.shows}`, (s) => then.shows.test(after(s.text, step.marker)), 30_000);
            await sleep(1500);
            await save(then.name);
          }
        }
        // The next prompt must not be typed into a retry in progress.
        await tmux.waitFor(pane, 'the prompt back', (s) => !/[Rr]etrying in|esc to interrupt|esc to cancel/.test(s.text), 60_000);
      }
    } finally {
      await tmux.stop();
      await stub.close();
      fs.rmSync(ROOT, { recursive: true, force: true });
    }
  }
}

/** The screen after the prompt that typed `marker` (Codex repeats the thread's first prompt in its footer). */
function after(text: string, marker: string): string {
  const at = text.indexOf(`${marker} summarise`);
  return at < 0 ? '' : text.slice(at);
}

/** Claude Code's background work (issue 15): a subagent, a background shell, /compact, Esc mid-turn. */
async function captureBackground(): Promise<void> {
  fs.rmSync(ROOT, { recursive: true, force: true });
  const stub = await startModelStub({ slowMs: 12_000 });
  const tmux = new AgentTmux();
  try {
    const launch = prepareAgent('claude', cliRoot, stub.url, ROOT);
    const pane = await tmux.start('claude', launch);
    const save = (state: string) => saveScreen(tmux, pane, `claude-${launch.version}-${state}-captured`);
    const idleAgain = () => tmux.waitFor(pane, 'the prompt back', (s) => !/esc to interrupt/.test(s.text) && /^❯/m.test(s.text), 60_000);
    await tmux.waitFor(pane, 'the input prompt', (s) => READY.claude.test(s.text), 60_000);
    await sleep(2000);

    await tmux.type(pane, 'TASK survey the project');
    await tmux.waitFor(pane, 'the subagent at work', (s) => /general-purpose/.test(s.text) && /esc to interrupt/.test(s.text), 30_000);
    await sleep(2000);
    await save('working-subagent');
    await idleAgain();
    await sleep(1000);

    await tmux.type(pane, 'BGSHELL wait');
    await tmux.waitFor(pane, 'the turn over with the shell running', (s) => /shells? still running/.test(s.text) && !/esc to interrupt/.test(s.text), 30_000);
    await sleep(1500);
    await save('idle-background-shell');

    await tmux.type(pane, '/compact');
    await tmux.waitFor(pane, 'compacting', (s) => /[Cc]ompacting/.test(s.text), 30_000);
    await sleep(1000);
    await save('working-compact');
    await tmux.waitFor(pane, 'compacted', (s) => !/[Cc]ompacting/.test(s.text), 60_000);
    await sleep(2000);
    await save('idle-after-compact');

    await tmux.type(pane, 'SLOW write the release notes');
    await tmux.waitFor(pane, 'working', (s) => /esc to interrupt/.test(s.text), 30_000);
    await sleep(2000);
    await tmux.keys(pane, 'Escape');
    await idleAgain();
    await sleep(1500);
    await save('idle-after-esc');
  } finally {
    await tmux.stop();
    await stub.close();
    fs.rmSync(ROOT, { recursive: true, force: true });
  }
}
