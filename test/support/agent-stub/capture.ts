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

const args = process.argv.slice(2);
const cliRoot = args.find((a) => a.startsWith('/')) ?? process.env.ARCHITECT_AGENT_CLIS ?? '/root/.cache/architect-agents';
const agents = REAL_AGENTS.filter((a) => args.length === 0 || args.includes(a) || args.every((x) => x.startsWith('/')));

for (const agent of agents) {
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
