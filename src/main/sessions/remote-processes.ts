import path from 'node:path';
import { runProgram, withControlDir } from '../tmux/server.js';
import { shellCommand } from '../tmux/shell-quote.js';
import { sshArgs, type SshTarget } from '../tmux/ssh.js';
import { processTable, type ProcessInfo, type ProcessTable } from './process-tree.js';

// /proc is local, so a remote pane's process tree comes from the remote `ps`: one ssh
// call (over the shared connection) per host per scan, parsed into the same table the
// /proc reader builds, so identification is the same code for both.

/** Between the two listings: no `ps` line looks like it (each starts with a pid), and no leading dash for echo to take as an option. */
const SECTION_MARK = 'architect:args';
// comm and args both may hold spaces, so each is the last column of its own listing;
// -ww: never cut a long command line to the terminal width.
export const PS_COMMAND = [
  shellCommand(['ps', '-ww', '-eo', 'pid=,ppid=,pgid=,tpgid=,comm=']),
  shellCommand(['echo', SECTION_MARK]),
  shellCommand(['ps', '-ww', '-eo', 'pid=,args=']),
].join(' && ');

const STAT_LINE = /^\s*(\d+)\s+(\d+)\s+(-?\d+)\s+(-?\d+)\s(.*)$/;
const ARGS_LINE = /^\s*(\d+)\s(.*)$/;

/** Parses PS_COMMAND's output. A process listed without its args gets an empty argv, never a local /proc read. */
export function parsePsTable(output: string): ProcessTable {
  const text = `\n${output}`; // the mark is always found as a whole line, even first
  const mark = text.indexOf(`\n${SECTION_MARK}\n`);
  if (mark < 0) throw new Error(`unexpected ps output (no "${SECTION_MARK}" line): ${JSON.stringify(text.slice(0, 200))}`);
  const argsByPid = new Map<number, string[]>();
  for (const line of text.slice(mark + SECTION_MARK.length + 2).split('\n')) {
    const m = ARGS_LINE.exec(line);
    // ps joins argv with spaces: split on them (an argument with a space in it splits too; identification only needs the words).
    if (m) argsByPid.set(Number(m[1]), m[2]!.trim().split(' ').filter((a) => a !== ''));
  }
  const infos: ProcessInfo[] = [];
  for (const line of text.slice(0, mark).split('\n')) {
    const m = STAT_LINE.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const rawComm = m[5]!.trim();
    // macOS prints the executable's path as comm; Linux the bare name.
    const comm = rawComm.startsWith('/') ? path.posix.basename(rawComm) : rawComm;
    infos.push({ pid, ppid: Number(m[2]), pgrp: Number(m[3]), tpgid: Number(m[4]), comm, argv: argsByPid.get(pid) ?? [] });
  }
  return processTable(infos);
}

/** One connection per host: the same user, host, port, key and ssh_config share a process table too. */
export function hostKey(target: SshTarget): string {
  return JSON.stringify([target.host, target.port ?? null, target.identityFile ?? null, target.configFile ?? null]);
}

/** Remote process tables, cached briefly: concurrent and closely following callers share one ssh call. */
export class RemoteProcessTables {
  private readonly cache = new Map<string, { atMs: number; table: Promise<ProcessTable>; pending: boolean }>();
  /** The last table read per host, and when its read started. */
  private readonly last = new Map<string, { atMs: number; table: ProcessTable }>();

  /** The last table read from the host, however old, without reading; null before the first. */
  latest(target: SshTarget): { atMs: number; table: ProcessTable } | null {
    return this.last.get(hostKey(target)) ?? null;
  }

  /**
   * The host's table, read at most `maxAgeMs` ago, or the read under way when one is
   * (a ps can take seconds: starting another meanwhile would only pile them up).
   * 0: a read that starts now (a scan wants the processes of the panes it just listed).
   */
  get(target: SshTarget, maxAgeMs: number): Promise<ProcessTable> {
    const key = hostKey(target);
    const hit = this.cache.get(key);
    if (hit && (Date.now() - hit.atMs <= maxAgeMs || (hit.pending && maxAgeMs > 0))) return hit.table;
    const table = runProgram('ssh', sshArgs(withControlDir(target), { raw: PS_COMMAND })).then(parsePsTable);
    const entry = { atMs: Date.now(), table, pending: true };
    this.cache.set(key, entry);
    table.then(
      (t) => {
        entry.pending = false;
        if ((this.last.get(key)?.atMs ?? -1) <= entry.atMs) this.last.set(key, { atMs: entry.atMs, table: t });
      },
      () => {
        entry.pending = false;
        if (this.cache.get(key) === entry) this.cache.delete(key);
      },
    );
    return table;
  }

  clear(): void {
    this.cache.clear();
    this.last.clear();
  }
}
