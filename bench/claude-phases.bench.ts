// Issue 15: how long after Claude Code's own screen shows a state does Architect report
// it, over five phases (start → idle, prompt → working, turn end → idle, tool →
// approval, Esc → idle)? The real Claude Code against the model stub in a private tmux
// server; the screen is polled every ~20 ms as the ground truth beside a real
// SessionMonitor. Skipped (no figures) when the CLIs are not installed
// (ARCHITECT_AGENT_CLIS, default ~/.cache/architect-agents).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classify } from '../src/main/sessions/classify.js';
import { compileManifests, loadAgentManifests } from '../src/main/sessions/manifests.js';
import { SessionMonitor } from '../src/main/sessions/monitor.js';
import { tmuxServer } from '../src/main/tmux/server.js';
import { prepareAgent } from '../test/support/agent-stub/agent-launch.js';
import { AgentTmux, sleep } from '../test/support/agent-stub/agent-pane.js';
import { startModelStub } from '../test/support/agent-stub/model-stub.js';

const AGENTS_YAML = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../config/base/agents.yaml');
const CLI_ROOT = process.env.ARCHITECT_AGENT_CLIS ?? path.join(os.homedir(), '.cache/architect-agents');
const POLL_MS = 20;
const PHASE_TIMEOUT_MS = 60_000;

export async function run(): Promise<Record<string, number>> {
  if (!fs.existsSync(path.join(CLI_ROOT, 'node_modules', '.bin', 'claude'))) {
    process.stderr.write(`claude-phases: no Claude Code in ${CLI_ROOT}: skipped\n`);
    return {};
  }
  const agentsFile = loadAgentManifests(AGENTS_YAML);
  const claude = compileManifests(agentsFile).byName.get('claude')!;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-phases-'));
  const stub = await startModelStub({ slowMs: 4000 });
  const tmux = new AgentTmux();
  const events: Array<{ state: string; at: number }> = [];
  let monitor: SessionMonitor | null = null;
  let stopMonitor: (() => void) | null = null;
  try {
    const launch = prepareAgent('claude', CLI_ROOT, stub.url, root);
    // The monitor first, so it sees the agent from its first frame.
    await tmux.tmux('new-session', '-d', '-s', 'bench-keep', 'sleep 3600');
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents: agentsFile, scanIntervalMs: 1000 });
    monitor.onChange((_s, transitions) => {
      for (const t of transitions) if (t.agent === 'claude') events.push({ state: t.to, at: Date.parse(t.at) });
    });
    stopMonitor = await monitor.start();
    const pane = await tmux.start('claude', launch);

    /** When the screen first shows `state` (ground truth), polled every POLL_MS. */
    const screenShows = async (state: string): Promise<number> => {
      const deadline = Date.now() + PHASE_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const at = Date.now();
        if (classify(await tmux.screen(pane), claude).state === state) return at;
        await sleep(POLL_MS);
      }
      throw new Error(`the screen never showed ${state}`);
    };
    /** When the monitor reported `state` at or after `since`. */
    const reported = async (state: string, since: number): Promise<number> => {
      const deadline = Date.now() + PHASE_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const e = events.find((x) => x.state === state && x.at >= since - 1000);
        if (e) return e.at;
        await sleep(10);
      }
      throw new Error(`the monitor never reported ${state}`);
    };
    const phase = async (state: string, startedAt: number): Promise<number> => {
      const truth = await screenShows(state);
      const seen = await reported(state, startedAt);
      return Math.max(0, seen - truth);
    };

    const phases: number[] = [];
    let mark = Date.now();
    phases.push(await phase('idle', mark)); // start → idle
    await sleep(2000);
    const flickerFrom = events.length;
    mark = Date.now();
    await tmux.type(pane, 'SLOW write the release notes');
    phases.push(await phase('working', mark)); // prompt → working
    mark = Date.now();
    phases.push(await phase('idle', mark)); // turn end → idle
    mark = Date.now();
    await tmux.type(pane, 'TOOL delete the build folder');
    phases.push(await phase('waiting', mark)); // tool → approval
    mark = Date.now();
    await tmux.keys(pane, 'Escape');
    phases.push(await phase('idle', mark)); // Esc → idle
    // Flicker: transitions beyond the expected working → idle → (working →) waiting → idle.
    const seenStates = events.slice(flickerFrom).map((e) => e.state);
    const expected = seenStates.filter((s, i) => s !== seenStates[i - 1]).length;
    const flicker = Math.max(0, expected - 5);
    process.stderr.write(`claude-phases: ${phases.join(', ')} ms; transitions ${seenStates.join(' → ')}\n`);
    return {
      state_latency_claude_phases_ms: phases.reduce((a, b) => a + b, 0),
      state_latency_claude_phase_max_ms: Math.max(...phases),
      state_flicker_claude_transitions: flicker,
    };
  } finally {
    stopMonitor?.();
    await tmux.stop();
    await stub.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
