import { randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '../log/logger.js';
import type { TmuxServer } from '../tmux/server.js';
import { PaneView } from './pane-view.js';

/** Live views one client may keep open (a few panes side by side; a loop opening more is refused). */
export const MAX_TERMINALS_PER_CLIENT = 8;
/** Live views the console keeps in all: each is a `tmux -C` process. */
export const MAX_TERMINALS = 32;

/** Who a view belongs to: only its owner may type into it, acknowledge or close it. */
export interface TerminalOwner {
  id: string;
  readOnly: boolean;
}

export interface TerminalEvents {
  data(terminalId: string, text: string): void;
  resized(terminalId: string, cols: number, rows: number): void;
  exit(terminalId: string, reason: string): void;
}

/** A refusal the viewer can act on (limits, an id that is not theirs). */
export class TerminalRefused extends Error {}

interface Open {
  owner: string;
  view: PaneView | null;
}

/**
 * Live terminals onto agent panes (terminal/pane-view.ts), each owned by the client
 * that opened it: its output goes to that client only, and nobody else can type
 * into it, acknowledge or close it. Bounded per client and in total.
 */
export class TerminalService {
  private readonly views = new Map<string, Open>();
  private readonly log: Logger;

  constructor(options: { logger?: Logger } = {}) {
    this.log = (options.logger ?? silentLogger).child({ module: 'terminal' });
  }

  async open(server: TmuxServer, paneId: string, owner: TerminalOwner, events: TerminalEvents): Promise<{ id: string; cols: number; rows: number }> {
    if (this.views.size >= MAX_TERMINALS) throw new TerminalRefused(`${MAX_TERMINALS} terminals are open, the most the console keeps: close one first`);
    const mine = [...this.views.values()].filter((o) => o.owner === owner.id).length;
    if (mine >= MAX_TERMINALS_PER_CLIENT) throw new TerminalRefused(`this client has ${mine} terminals open, the most one client may: close one first`);
    const id = randomBytes(6).toString('hex');
    // Counted while it opens, so a burst of opens cannot pass the limits.
    const entry: Open = { owner: owner.id, view: null };
    this.views.set(id, entry);
    try {
      entry.view = await PaneView.open(
        server,
        paneId,
        {
          data: (text) => events.data(id, text),
          resized: (cols, rows) => events.resized(id, cols, rows),
          exit: (reason) => {
            this.views.delete(id);
            this.log.info('terminal ended', { id, pane: paneId, reason });
            events.exit(id, reason);
          },
        },
        { readOnly: owner.readOnly },
      );
    } catch (err) {
      this.views.delete(id);
      throw err;
    }
    if (!this.views.has(id)) {
      // Closed (its owner went away) while it opened.
      entry.view.close();
      throw new TerminalRefused('the terminal was closed while it opened');
    }
    // Output starts after the caller has sent the viewer this reply (with the id the output carries).
    const view = entry.view;
    setImmediate(() => view.start());
    return { id, cols: view.cols, rows: view.rows };
  }

  async write(id: string, ownerId: string, data: string): Promise<void> {
    await this.viewOf(id, ownerId).write(data);
  }

  ack(id: string, ownerId: string, chars: number): void {
    this.viewOf(id, ownerId).ack(chars);
  }

  close(id: string, ownerId: string): void {
    this.viewOf(id, ownerId, { opening: true });
    this.closeEntry(id);
  }

  /** Everything a client had open: it went away. */
  closeOwnedBy(ownerId: string): void {
    for (const [id, entry] of [...this.views]) if (entry.owner === ownerId) this.closeEntry(id);
  }

  closeAll(): void {
    for (const id of [...this.views.keys()]) this.closeEntry(id);
  }

  get openCount(): number {
    return this.views.size;
  }

  private closeEntry(id: string): void {
    const entry = this.views.get(id);
    if (!entry) return;
    this.views.delete(id);
    entry.view?.close();
  }

  /** The same answer for an id that does not exist and one of another client: nothing to learn from it. */
  private viewOf(id: string, ownerId: string, opts: { opening?: boolean } = {}): PaneView {
    const entry = this.views.get(id);
    if (!entry || entry.owner !== ownerId || (!entry.view && !opts.opening)) throw new TerminalRefused(`no open terminal ${JSON.stringify(id)} of yours`);
    return entry.view as PaneView;
  }
}
