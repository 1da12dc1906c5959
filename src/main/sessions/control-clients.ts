import { ControlClient, type ControlEvents } from '../tmux/control-client.js';
import type { Pane } from '../tmux/discover.js';
import type { TmuxServer } from '../tmux/server.js';

/**
 * The monitor's control-mode clients: one per tmux session. tmux sends `%output` only
 * for panes of the session a control client is attached to (tmux 3.3: control.c checks
 * the pane's window is in the client's session), and a client attaches to one session,
 * so a single client cannot follow every pane. Linking every window into one hidden
 * session would do it, but changes what `kill-session` does to the user's agents, so we
 * pay a small `tmux -C` process per session instead (see docs/readme/sessions.md for
 * the measured cost). Any live client of a server also carries that server's commands
 * (list-panes, capture-pane), which saves starting a process per command.
 */
export class SessionClients {
  private readonly clients = new Map<string, ControlClient>();

  constructor(private readonly events: (server: TmuxServer, key: string) => Omit<ControlEvents, 'onExit'> & { onExit(): void }) {}

  /** A live client of the server for commands, or null (then callers exec). */
  commander(server: TmuxServer, sessionId?: string): ControlClient | null {
    if (sessionId) {
      const own = this.clients.get(`${server.name}:${sessionId}`);
      if (own?.alive) return own;
    }
    for (const client of this.clients.values()) if (client.server === server && client.alive) return client;
    return null;
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
    if (!attach) return;
    for (const sessionId of sessions) {
      const key = `${server.name}:${sessionId}`;
      if (this.clients.has(key)) continue;
      const events = this.events(server, key);
      const client: ControlClient = new ControlClient(server, sessionId, {
        onOutput: events.onOutput,
        onLayoutChange: events.onLayoutChange,
        onExit: () => {
          if (this.clients.get(key) === client) this.clients.delete(key);
          events.onExit();
        },
      });
      this.clients.set(key, client);
    }
  }

  get size(): number {
    return this.clients.size;
  }

  closeAll(): void {
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const client of all) client.close();
  }
}
