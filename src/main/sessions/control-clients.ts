import { CLOSED, ControlClient, type ControlEvents } from '../tmux/control-client.js';
import { MAX_TITLE_CHARS, type Pane } from '../tmux/discover.js';
import { runTmux, type TmuxServer } from '../tmux/server.js';
import type { Screen } from './classify.js';

/**
 * The monitor's control-mode clients: one per tmux session. tmux sends `%output` only
 * for panes of the session a control client is attached to (tmux 3.3: control.c checks
 * the pane's window is in the client's session), and a client attaches to one session,
 * so a single client cannot follow every pane. Linking every window into one hidden
 * session would do it, but changes what `kill-session` does to the user's agents, so we
 * pay a small `tmux -C` process per session instead (see docs/agents.md, "Why one control client per session", for
 * the measured cost). Any live client of a server also carries that server's commands
 * (list-panes, capture-pane), which saves starting a process per command.
 */
/** A client that ends sooner than this after starting failed to attach (old tmux, session gone). */
const FAILED_ATTACH_MS = 1_000;
/** …and is not tried again for this long: a retry per layout rescan would spin at 20 Hz. */
const REATTACH_BACKOFF_MS = 5_000;
/**
 * Client starts per turn of the event loop: at least one, then more while this much time
 * has not passed. A start is a fork of the console (a few hundred MB) and, under load,
 * 50–130 ms of its thread; 100 sessions at start were 5–7 s in one stall (issue 20).
 * Now each turn starts a slice and yields (setImmediate), so requests, timers and I/O
 * run between two starts. Each client is still a child of the console with its own
 * stdin pipe: closed by closeAll, and ended by tmux at end of input when the console
 * dies, however it dies.
 */
export const START_SLICE_MS = 8;

export class SessionClients {
  private readonly clients = new Map<string, ControlClient>();
  private readonly failedAt = new Map<string, number>();
  /** Sessions whose client starts on a later turn (START_SLICE_MS), in order. */
  private readonly waiting = new Map<string, { server: TmuxServer; sessionId: string }>();
  private nextSlice: NodeJS.Immediate | null = null;

  constructor(private readonly events: (server: TmuxServer, key: string) => Omit<ControlEvents, 'onExit'> & { onExit(): void }) {}

  /**
   * A live client of the server for commands, or null (then callers exec). One tmux has
   * attached first: a command over a client not attached yet waits for the attach, and
   * a pane read by polling (see covers) must be read now. Else one started (the
   * console's start: tmux attaches it within milliseconds, and a process per command
   * for every pane would cost more); never one waiting at the gate (up to GATE_LIMIT_MS).
   */
  commander(server: TmuxServer, sessionId?: string): ControlClient | null {
    const own = sessionId === undefined ? undefined : this.clients.get(`${server.name}:${sessionId}`);
    if (own?.attached) return own;
    let started = own?.started ? own : null;
    for (const client of this.clients.values()) {
      if (client.server !== server) continue;
      if (client.attached) return client;
      if (client.started) started ??= client;
    }
    return started;
  }

  /**
   * A pane's screen and current title: over a live client of its server (reads of many
   * panes pipeline on it: 200 screens in a few ms), else two execs. Throws when the pane is gone.
   */
  async screen(server: TmuxServer, pane: Pane): Promise<Screen> {
    const client = this.commander(server, pane.sessionId);
    if (client) {
      const [lines, title] = await Promise.all([client.capture(pane.paneId), client.command(`display-message -p -t ${pane.paneId} '#{pane_title}'`)]);
      return { lines, title: title.join('').slice(0, MAX_TITLE_CHARS) };
    }
    const [text, title] = await Promise.all([
      runTmux(server, ['capture-pane', '-p', '-J', '-t', pane.paneId]),
      runTmux(server, ['display-message', '-p', '-t', pane.paneId, '#{pane_title}']),
    ]);
    return { lines: text.replace(/\n$/, '').split('\n'), title: title.replace(/\n$/, '').slice(0, MAX_TITLE_CHARS) };
  }

  /**
   * An attached client reports this session's output (so a quiet pane's screen is known
   * not to have changed). Not before tmux attached it: a pane whose client is still
   * waiting, identifying or attaching is read by polling, or a change then would go
   * unseen until the next full re-read (up to 30 s).
   */
  covers(server: TmuxServer, sessionId: string): boolean {
    return this.clients.get(`${server.name}:${sessionId}`)?.attached ?? false;
  }

  /** Attaches to sessions that appeared, closes clients of sessions that went away. */
  sync(server: TmuxServer, panes: readonly Pane[], attach: boolean): void {
    const sessions = new Set(panes.map((p) => p.sessionId));
    for (const [key, client] of this.clients) {
      if (client.server === server && (!sessions.has(client.sessionId) || !client.alive)) {
        client.close();
        this.clients.delete(key);
      }
    }
    for (const [key, w] of this.waiting) if (w.server === server && (!attach || !sessions.has(w.sessionId))) this.waiting.delete(key);
    if (!attach) return;
    for (const sessionId of sessions) {
      const key = `${server.name}:${sessionId}`;
      if (this.clients.has(key) || this.waiting.has(key) || Date.now() - (this.failedAt.get(key) ?? -Infinity) < REATTACH_BACKOFF_MS) continue;
      this.waiting.set(key, { server, sessionId });
    }
    this.startSlice();
  }

  /** Starts waiting clients for up to START_SLICE_MS (at least one), and the rest on later turns. */
  private startSlice(): void {
    if (this.nextSlice) return; // a slice is already due
    const began = performance.now();
    for (const [key, w] of this.waiting) {
      this.waiting.delete(key);
      this.attach(w.server, w.sessionId, key);
      if (performance.now() - began >= START_SLICE_MS) break;
    }
    if (this.waiting.size === 0) return;
    this.nextSlice = setImmediate(() => {
      this.nextSlice = null;
      this.startSlice();
    });
  }

  private attach(server: TmuxServer, sessionId: string, key: string): void {
    const events = this.events(server, key);
    const startedAt = Date.now();
    const client: ControlClient = new ControlClient(server, sessionId, {
      onOutput: events.onOutput,
      onAttached: events.onAttached,
      onLayoutChange: events.onLayoutChange,
      onExit: (reason) => {
        if (this.clients.get(key) === client) this.clients.delete(key);
        if (reason === CLOSED) return; // we closed it: nothing to look at
        if (Date.now() - startedAt < FAILED_ATTACH_MS) this.failedAt.set(key, Date.now());
        else this.failedAt.delete(key);
        events.onExit();
      },
    });
    this.clients.set(key, client);
  }

  /** Clients started, and those whose start is due on a coming turn. */
  get size(): number {
    return this.clients.size + this.waiting.size;
  }

  /** Clients whose start is still due (on a coming turn). */
  get starting(): number {
    return this.waiting.size;
  }

  /** Closes every client and starts no more of those still due. */
  closeAll(): void {
    this.waiting.clear();
    if (this.nextSlice) clearImmediate(this.nextSlice);
    this.nextSlice = null;
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const client of all) client.close();
  }
}
