import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AGENT_SCRIPT } from './agent-script.js';

/** The demo's own tmux server: `tmux -L architect-demo`. Stopping the demo kills this one only. */
export const DEMO_SOCKET = 'architect-demo';

export interface DemoAgent {
  /** tmux session name: the names routing_rules.yaml routes to. */
  session: string;
  program: 'claude' | 'codex' | 'gemini';
  args: string[];
}

/**
 * Who is in the demo fleet and how each behaves, so that a newcomer sees every
 * state within a minute: agents that pick up work on their own, one waiting for
 * an approval, one that errors now and then, and `architect` (excluded from
 * routing in the seed rules) waiting for the operator.
 */
export const DEMO_FLEET: readonly DemoAgent[] = [
  { session: 'dev_worker1', program: 'claude', args: ['--autopilot', '12', '--ask-every', '4'] },
  // On the task the seed gives it (seed.ts WORKING_ON, JOBS[2] in agent-script.ts) for a
  // minute more, so its card shows that task while a newcomer looks, then on its own.
  { session: 'dev_worker2', program: 'gemini', args: ['--start', 'working', '--start-job', '2', '--start-work', '60', '--autopilot', '15', '--fail-every', '5'] },
  { session: 'codex', program: 'codex', args: ['--autopilot', '9', '--ask-every', '3'] },
  { session: 'claude_comet', program: 'claude', args: ['--start', 'error', '--autopilot', '20'] },
  { session: 'architect', program: 'claude', args: ['--start', 'approval'] },
];

export interface DemoFleet {
  socket: string;
  /** Folder holding the agent executables and the agents' working folder. */
  dir: string;
  projectDir: string;
  /** Each agent's pane, as discovery will name it (`<socket>:<pane id>`). */
  panes(): DemoPane[];
  stop(): void;
}

export interface DemoPane {
  id: string;
  session: string;
  program: string;
}

function tmux(socket: string, ...args: string[]): string {
  return execFileSync('tmux', ['-u', '-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Writes `claude`, `codex` and `gemini` executables into `binDir`. */
export function writeAgentPrograms(binDir: string): void {
  fs.mkdirSync(binDir, { recursive: true });
  for (const name of ['claude', 'codex', 'gemini']) {
    const file = path.join(binDir, name);
    fs.writeFileSync(file, AGENT_SCRIPT, { mode: 0o755 });
  }
}

/** Where tmux keeps a `-L name` server's socket for this user. */
function socketFile(socket: string): string {
  return path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket);
}

/**
 * Stops the demo's tmux server and removes its socket file, which tmux 3.3 leaves
 * behind after `kill-server` (the demo leaves nothing in the user's tmux folder).
 */
export function killDemoServer(socket = DEMO_SOCKET): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // not running
  }
  try {
    execFileSync('tmux', ['-L', socket, 'list-sessions'], { stdio: 'ignore' });
  } catch {
    // No server answers there (any more): the file is a dead socket.
    fs.rmSync(socketFile(socket), { force: true });
  }
}

/** Starts the demo tmux server with one session per scripted agent. */
export function startDemoFleet(opts: { dir: string; socket?: string; fleet?: readonly DemoAgent[] }): DemoFleet {
  const socket = opts.socket ?? DEMO_SOCKET;
  const binDir = path.join(opts.dir, 'bin');
  const projectDir = path.join(opts.dir, 'demo-project');
  fs.mkdirSync(projectDir, { recursive: true });
  writeAgentPrograms(binDir);
  // A demo left over from a crash would hold the socket: it is ours, by name.
  killDemoServer(socket);
  const env = ['-e', `PATH=${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`];
  try {
    for (const agent of opts.fleet ?? DEMO_FLEET) {
      // argv, no shell: the pane's process is the agent itself, as `claude` in a pane is.
      tmux(socket, 'new-session', '-d', '-s', agent.session, '-x', '120', '-y', '36', '-c', projectDir, ...env, path.join(binDir, agent.program), ...agent.args);
    }
  } catch (err) {
    // Half a fleet is no demo: the agents already started go with the server.
    killDemoServer(socket);
    throw err;
  }
  return {
    socket,
    dir: opts.dir,
    projectDir,
    panes: () =>
      tmux(socket, 'list-panes', '-a', '-F', '#{session_name} #{pane_id}')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [session = '', paneId = ''] = line.split(' ');
          const program = (opts.fleet ?? DEMO_FLEET).find((a) => a.session === session)?.program ?? 'other';
          return { id: `${socket}:${paneId}`, session, program };
        }),
    stop: () => killDemoServer(socket),
  };
}
