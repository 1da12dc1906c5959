import { randomBytes } from 'node:crypto';
import * as pty from 'node-pty';
import { silentLogger, type Logger } from '../log/logger.js';
import { VIEWER_SESSION_PREFIX } from '../sessions/monitor.js';
import { runTmux, tmuxCommand, type TmuxServer } from '../tmux/server.js';

/** Output is sent in batches: one message per frame instead of one per pty read. */
export const BATCH_MS = 16;
/** Unacknowledged bytes after which the pty is paused (a slow client must not grow memory). */
export const HIGH_WATER_BYTES = 256 * 1024;
/** Resume once the client has caught up to this. */
export const LOW_WATER_BYTES = 32 * 1024;

const PANE_ID = /^%\d+$/;

interface Viewer {
  id: string;
  server: TmuxServer;
  viewerSession: string;
  pty: pty.IPty;
  listeners: Set<(data: string) => void>;
  pending: string;
  flushTimer: NodeJS.Timeout | null;
  unacked: number;
  paused: boolean;
}

/**
 * Live terminals onto agent panes. Each viewer attaches through its own grouped tmux
 * session (`new-session -t`), so its size and window choice never disturb the agent's
 * session, and closing it kills only that viewer session, never the agent.
 */
export class TerminalService {
  private readonly viewers = new Map<string, Viewer>();
  private readonly log: Logger;

  constructor(options: { logger?: Logger } = {}) {
    this.log = (options.logger ?? silentLogger).child({ module: 'terminal' });
  }

  async open(server: TmuxServer, paneId: string, size: { cols: number; rows: number }): Promise<{ id: string }> {
    if (!PANE_ID.test(paneId)) throw new Error(`not a pane id: ${JSON.stringify(paneId)} (expected %N)`);
    const info = (await runTmux(server, ['display-message', '-p', '-t', paneId, '#{session_id} #{window_id}'])).trim();
    const [sessionId, windowId] = info.split(' ');
    if (!sessionId || !windowId) throw new Error(`pane ${paneId} not found on tmux server "${server.name}"`);
    const id = randomBytes(6).toString('hex');
    const viewerSession = `${VIEWER_SESSION_PREFIX}${id}`;
    await runTmux(server, ['new-session', '-d', '-t', sessionId, '-s', viewerSession]);
    try {
      await runTmux(server, ['select-window', '-t', `${viewerSession}:${windowId}`]);
      await runTmux(server, ['select-pane', '-t', paneId]);
    } catch (err) {
      await runTmux(server, ['kill-session', '-t', viewerSession]).catch(() => {});
      throw err;
    }
    // A remote pane: `ssh -t … tmux attach …` in the pty, over the shared connection.
    const attach = tmuxCommand(server, [
      'attach-session', '-t', viewerSession,
      // Once attached, the viewer session dies with its client even if we crash before close().
      ';', 'set-option', '-t', viewerSession, 'destroy-unattached', 'on',
    ], { tty: true });
    const term = pty.spawn(attach.file, attach.args, {
      name: 'xterm-256color',
      cols: size.cols,
      rows: size.rows,
      env: { ...process.env, TERM: 'xterm-256color' } as Record<string, string>,
    });
    const viewer: Viewer = { id, server, viewerSession, pty: term, listeners: new Set(), pending: '', flushTimer: null, unacked: 0, paused: false };
    term.onData((data) => this.buffer(viewer, data));
    term.onExit(() => this.close(id));
    this.viewers.set(id, viewer);
    return { id };
  }

  onData(id: string, listener: (data: string) => void): () => void {
    const viewer = this.get(id);
    viewer.listeners.add(listener);
    return () => viewer.listeners.delete(listener);
  }

  write(id: string, data: string): void {
    this.get(id).pty.write(data);
  }

  resize(id: string, cols: number, rows: number): void {
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) throw new Error(`bad terminal size ${cols}x${rows}`);
    this.get(id).pty.resize(cols, rows);
  }

  /** The client has rendered `bytes` more characters: lets a paused pty run again. */
  ack(id: string, bytes: number): void {
    const viewer = this.viewers.get(id);
    if (!viewer) return;
    viewer.unacked = Math.max(0, viewer.unacked - bytes);
    if (viewer.paused && viewer.unacked <= LOW_WATER_BYTES) {
      viewer.paused = false;
      viewer.pty.resume();
    }
  }

  close(id: string): void {
    const viewer = this.viewers.get(id);
    if (!viewer) return;
    this.viewers.delete(id);
    if (viewer.flushTimer) clearTimeout(viewer.flushTimer);
    try {
      viewer.pty.kill();
    } catch {
      // already exited
    }
    // Only the viewer's own grouped session: the agent's session and panes stay.
    runTmux(viewer.server, ['kill-session', '-t', viewer.viewerSession]).catch(() => {});
  }

  closeAll(): void {
    for (const id of [...this.viewers.keys()]) this.close(id);
  }

  get openCount(): number {
    return this.viewers.size;
  }

  private get(id: string): Viewer {
    const viewer = this.viewers.get(id);
    if (!viewer) throw new Error(`no open terminal ${id}`);
    return viewer;
  }

  private buffer(viewer: Viewer, data: string): void {
    viewer.pending += data;
    viewer.unacked += data.length;
    if (!viewer.paused && viewer.unacked > HIGH_WATER_BYTES) {
      viewer.paused = true;
      viewer.pty.pause();
      this.log.debug('terminal paused for a slow client', { id: viewer.id, unacked: viewer.unacked });
    }
    viewer.flushTimer ??= setTimeout(() => {
      viewer.flushTimer = null;
      const chunk = viewer.pending;
      viewer.pending = '';
      for (const l of viewer.listeners) l(chunk);
    }, BATCH_MS);
  }
}

/** Feature entry point: returns `stop`, which closes every viewer. */
export function startTerminals(service: TerminalService): () => void {
  return () => service.closeAll();
}
