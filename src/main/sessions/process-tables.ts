import type { TmuxServer } from '../tmux/server.js';
import { readProcessTable, readStat, type ProcessTable } from './process-tree.js';
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
    let local: ProcessTable | null = null;
    const remote = new Map<string, Promise<ProcessTable>>();
    return async (server) => {
      if (!server.ssh) return (local ??= readProcessTable());
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
   * null when a remote table cannot be read (then nothing should change).
   */
  async foreground(server: TmuxServer, pid: number): Promise<{ tpgid: number; table: () => ProcessTable } | null> {
    if (!server.ssh) return { tpgid: readStat(pid)?.tpgid ?? -1, table: readProcessTable };
    try {
      const table = await this.remote.get(server.ssh, REMOTE_TABLE_MAX_AGE_MS);
      return { tpgid: foregroundGroup(server, table, pid), table: () => table };
    } catch {
      return null;
    }
  }

  clear(): void {
    this.remote.clear();
  }
}

/** The pane's terminal foreground group: /proc here (fresh), the table's for a remote pane. */
export function foregroundGroup(server: TmuxServer, table: ProcessTable, pid: number): number {
  return (server.ssh ? table.byPid.get(pid)?.tpgid : readStat(pid)?.tpgid) ?? -1;
}
