import type { TmuxServer } from '../tmux/server.js';
import { readProcessTable, readProcessTableAsync, readStat, type ProcessTable } from './process-tree.js';
import { hostKey, RemoteProcessTables } from './remote-processes.js';

/**
 * A remote pane's foreground job is checked from a process table at most this old
 * between scans: a busy agent settles every second or so, and a fresh remote `ps` per
 * settle would cost an ssh round trip each time.
 */
const REMOTE_TABLE_MAX_AGE_MS = 1_000;

/** Where each server's process tree comes from: /proc here, the remote `ps` for a server over ssh. */
export class ProcessTables {
  private readonly remote = new RemoteProcessTables();

  /** Tables for one scan: /proc read once, and one remote `ps` per ssh host however many servers it runs. Null when a remote read failed. */
  forScan(onError: (server: TmuxServer, err: unknown) => void): (server: TmuxServer) => Promise<ProcessTable | null> {
    let local: Promise<ProcessTable> | null = null;
    const remote = new Map<string, Promise<ProcessTable>>();
    return async (server) => {
      if (!server.ssh) return (local ??= readProcessTableAsync());
      const key = hostKey(server.ssh);
      let table = remote.get(key);
      if (!table) remote.set(key, (table = this.remote.get(server.ssh, 0)));
      try {
        return await table;
      } catch (err) {
        onError(server, err);
        return null;
      }
    };
  }

  /**
   * A pane's foreground group now (between scans), and a table to walk when it changed;
   * null when no table can say (then nothing should change).
   *
   * A remote pane answers at once from the host's last table: a remote `ps` is an ssh
   * round trip plus the remote login shell's start-up (seconds with a heavy .bashrc),
   * and the screen's state must not wait for it. A table older than
   * REMOTE_TABLE_MAX_AGE_MS is read again meanwhile; `newer` resolves with the
   * pane's group in it, so a job that started or ended is seen one read later.
   */
  foreground(server: TmuxServer, pid: number): { tpgid: number; table: () => ProcessTable; newer: Promise<number> | null } | null {
    if (!server.ssh) return { tpgid: readStat(pid)?.tpgid ?? -1, table: readProcessTable, newer: null };
    const last = this.remote.latest(server.ssh);
    const stale = !last || Date.now() - last.atMs > REMOTE_TABLE_MAX_AGE_MS;
    const newer = stale ? this.remote.get(server.ssh, REMOTE_TABLE_MAX_AGE_MS).then((table) => foregroundGroup(server, table, pid)) : null;
    newer?.catch(() => undefined); // a host out of reach: the scan reports it
    if (!last) return null;
    return { tpgid: foregroundGroup(server, last.table, pid), table: () => last.table, newer };
  }

  clear(): void {
    this.remote.clear();
  }
}

/** The pane's terminal foreground group: /proc here (fresh), the table's for a remote pane. */
export function foregroundGroup(server: TmuxServer, table: ProcessTable, pid: number): number {
  return (server.ssh ? table.byPid.get(pid)?.tpgid : readStat(pid)?.tpgid) ?? -1;
}
