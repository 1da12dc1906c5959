import path from 'node:path';
import type { CompiledManifests } from './manifests.js';

/** A process as identification sees it. */
export interface ProcessFacts {
  pid: number;
  comm: string;
  argv: string[];
  /** True when the process is in its terminal's foreground process group. */
  foreground: boolean;
}

export interface Identification {
  /** Agent name, or `shell` (the pane is at a shell prompt) or `other`. */
  agent: string;
  /** The process that decided (its pid), or null. */
  pid: number | null;
  command: string;
  argv: string[];
}

/** Pure: which agent runs among a pane's processes (pane process first, then descendants). */
export function identifyAgent(processes: ProcessFacts[], manifests: CompiledManifests): Identification {
  // The foreground group is what the user sees; a background agent in a shell pane
  // is only a fallback.
  const ordered = [...processes.filter((p) => p.foreground), ...processes.filter((p) => !p.foreground)];
  for (const proc of ordered) {
    const agent = matchAgent(proc, manifests);
    if (agent) return { agent, pid: proc.pid, command: programName(proc, manifests), argv: proc.argv };
  }
  const front = processes.filter((p) => p.foreground).pop() ?? processes[0];
  if (!front) return { agent: 'other', pid: null, command: '', argv: [] };
  const name = programName(front, manifests);
  const isShell = manifests.shells.has(front.comm) || manifests.shells.has(name) || manifests.shells.has(loginShellName(front));
  return { agent: isShell ? 'shell' : 'other', pid: front.pid, command: name, argv: front.argv };
}

/** Which manifest matches one process, or null. */
export function matchAgent(proc: ProcessFacts, manifests: CompiledManifests): string | null {
  const names = candidateNames(proc, manifests);
  const commandLine = proc.argv.join(' ');
  for (const agent of manifests.agents) {
    if (names.some((n) => agent.commands.has(n))) return agent.name;
    if (commandLine && agent.argv.some((re) => re.test(commandLine))) return agent.name;
  }
  return null;
}

/** The names a program goes by: its process name, argv[0], and the script an interpreter runs. */
function candidateNames(proc: ProcessFacts, manifests: CompiledManifests): string[] {
  const names = [proc.comm];
  const argv0 = proc.argv[0];
  if (argv0) names.push(path.basename(argv0));
  const script = interpretedScript(proc, manifests);
  if (script) names.push(path.basename(script));
  return names;
}

function interpretedScript(proc: ProcessFacts, manifests: CompiledManifests): string | null {
  const argv0 = proc.argv[0];
  if (!argv0 || !manifests.interpreters.has(path.basename(argv0).replace(/[\d.]+$/, ''))) return null;
  // Skip interpreter flags (`node --no-warnings /usr/bin/gemini`).
  return proc.argv.slice(1).find((a) => !a.startsWith('-')) ?? null;
}

function programName(proc: ProcessFacts, manifests: CompiledManifests): string {
  const script = interpretedScript(proc, manifests);
  if (script && !manifests.shells.has(proc.comm)) return path.basename(script);
  return proc.comm || path.basename(proc.argv[0] ?? '');
}

/** Login shells are `-bash`. */
function loginShellName(proc: ProcessFacts): string {
  return path.basename(proc.argv[0] ?? '').replace(/^-/, '');
}
