import fs from 'node:fs';
import type { ProcessFacts } from './identify.js';

/** One process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process group; the terminal's foreground group is `tpgid`. */
  pgrp: number;
  /** Foreground process group of the process's controlling terminal (-1 when none). */
  tpgid: number;
  /** Kernel process name (`comm`, at most 15 characters). */
  comm: string;
  /** The command line, when the table came with it (a remote `ps`); local tables read /proc/PID/cmdline on demand. */
  argv?: string[];
}

export interface ProcessTable {
  byPid: ReadonlyMap<number, ProcessInfo>;
  children: ReadonlyMap<number, number[]>;
}

const PROC = '/proc';

/** Parses /proc/PID/stat; `comm` is in parentheses and may itself contain spaces or ')'. */
export function parseStat(text: string): ProcessInfo | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // Fields after comm: state ppid pgrp session tty_nr tpgid …
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const tpgid = Number(rest[5]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) return null;
  return { pid, ppid, pgrp, tpgid, comm: text.slice(open + 1, close) };
}

/** Reads every /proc/PID/stat once: one scan serves every pane of every server. */
export function readProcessTable(): ProcessTable {
  let entries: string[];
  try {
    entries = fs.readdirSync(PROC);
  } catch {
    return processTable([]);
  }
  return processTable(statsOf(entries.filter(isPidName)));
}

/** A /proc entry that is a process (its name a pid). */
function isPidName(name: string): boolean {
  return name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57;
}

/** The stat of each of these processes that is still there. */
function statsOf(pids: readonly string[]): ProcessInfo[] {
  const infos: ProcessInfo[] = [];
  for (const name of pids) {
    const info = readStat(Number(name));
    if (info) infos.push(info);
  }
  return infos;
}

/** /proc/PID/stat reads between turns of the event loop in readProcessTableAsync (~2 ms of reads each). */
const STATS_PER_TURN = 64;

/**
 * readProcessTable a slice at a time, the event loop free in between: a scan's read of
 * every process (~400 with 100 agents) was 5-10 ms in one piece, every scan.
 */
export async function readProcessTableAsync(): Promise<ProcessTable> {
  let entries: string[];
  try {
    entries = await fs.promises.readdir(PROC);
  } catch {
    return processTable([]);
  }
  const pids = entries.filter(isPidName);
  const infos: ProcessInfo[] = [];
  for (let i = 0; i < pids.length; i += STATS_PER_TURN) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    infos.push(...statsOf(pids.slice(i, i + STATS_PER_TURN)));
  }
  return processTable(infos);
}

/**
 * What a pane's identification depends on in a table: its terminal's foreground group
 * and its processes with their names (and their command lines when the table has them:
 * a remote `ps`). The same key means the same processes doing the same thing, so the
 * scan need not read their command lines again; an `exec` changes the name (sh →
 * claude), a new job adds a process.
 */
export function treeKey(table: ProcessTable, panePid: number): string {
  const root = table.byPid.get(panePid);
  if (!root) return '';
  const one = (pid: number): string => {
    const info = table.byPid.get(pid)!;
    return `${pid}:${info.comm}${info.argv ? `:${info.argv.join('\0')}` : ''}`;
  };
  return `${root.tpgid}|${descendants(table, panePid).map(one).join(',')}`;
}

/** Indexes processes by pid and parent: the shape both /proc and a remote `ps` end up in. */
export function processTable(infos: Iterable<ProcessInfo>): ProcessTable {
  const byPid = new Map<number, ProcessInfo>();
  const children = new Map<number, number[]>();
  for (const info of infos) {
    byPid.set(info.pid, info);
    const siblings = children.get(info.ppid);
    if (siblings) siblings.push(info.pid);
    else children.set(info.ppid, [info.pid]);
  }
  return { byPid, children };
}

export function readStat(pid: number): ProcessInfo | null {
  try {
    return parseStat(fs.readFileSync(`${PROC}/${pid}/stat`, 'utf8'));
  } catch {
    return null; // the process ended between readdir and read
  }
}

export function readArgv(pid: number): string[] {
  try {
    const raw = fs.readFileSync(`${PROC}/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((part, i, all) => part !== '' || i < all.length - 1);
  } catch {
    return [];
  }
}

/** The pane's process and its descendants, breadth first (closest to the pane first). */
export function descendants(table: ProcessTable, root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (!table.byPid.has(pid)) continue;
    out.push(pid);
    for (const child of table.children.get(pid) ?? []) queue.push(child);
  }
  return out;
}

/** A pane's processes with their argv, marked foreground when in the terminal's foreground group. */
export function paneProcesses(table: ProcessTable, panePid: number): ProcessFacts[] {
  const root = table.byPid.get(panePid);
  if (!root) return [];
  return descendants(table, panePid).map((pid) => {
    const info = table.byPid.get(pid)!;
    return { pid, comm: info.comm, argv: info.argv ?? readArgv(pid), foreground: root.tpgid > 0 && info.pgrp === root.tpgid };
  });
}
