import { StringDecoder } from 'node:string_decoder';
import { CLOSED, ControlClient } from '../tmux/control-client.js';
import { runTmux, type TmuxServer } from '../tmux/server.js';
import { repaintText, PANE_STATE_FORMAT, parsePaneState, type PaneState } from './repaint.js';

/** Output is sent in batches: one message per frame instead of one per tmux notification. */
export const BATCH_MS = 16;
/** Characters sent and not yet drawn by the viewer after which output is dropped (a slow viewer must not grow memory)… */
export const HIGH_WATER_CHARS = 256 * 1024;
/** …until it has caught up to this; then it gets the screen afresh. */
export const LOW_WATER_CHARS = 32 * 1024;
/** Bytes typed per send-keys: a 64 KB paste is 128 commands, pipelined on one client. */
const INPUT_CHUNK_BYTES = 512;

const PANE_ID = /^%\d+$/;

export interface PaneViewEvents {
  data(text: string): void;
  resized(cols: number, rows: number): void;
  /** The view ended on its own (pane closed, tmux gone); not called after close(). */
  exit(reason: string): void;
}

/**
 * A live view of one pane that never attaches a terminal to tmux, so it can neither
 * resize the agent's window nor reach tmux's key bindings or command prompt:
 *
 * - output: a control-mode client with `ignore-size` on the pane's session (tmux
 *   reports `%output` per pane); the view starts from the pane's screen as tmux
 *   holds it (`capture-pane -e` plus cursor and modes) and takes the pane's size;
 * - input: `send-keys -H` to the pane id, the viewer's bytes as hex: tmux parses no
 *   command out of them, binds no key to them, and they reach no other pane.
 */
export class PaneView {
  cols = 0;
  rows = 0;
  private decoder = new StringDecoder('utf8');
  private pending = '';
  private timer: NodeJS.Timeout | null = null;
  /** Characters sent to the viewer and not yet acknowledged as drawn. */
  private unacked = 0;
  /** Output is being dropped until the viewer catches up; then a repaint. */
  private behind = false;
  /** Output until the screen is painted is already in the capture. */
  private painting = true;
  /**
   * Nothing is sent before start(): the viewer learns the terminal's id from the
   * open's reply, and output that reached it first would be dropped as not its own.
   */
  private started = false;
  private firstPaint = '';
  private ended = false;
  private readonly client: ControlClient;

  private constructor(
    readonly server: TmuxServer,
    readonly paneId: string,
    sessionId: string,
    private readonly events: PaneViewEvents,
    readOnly: boolean,
  ) {
    this.client = new ControlClient(
      server,
      sessionId,
      {
        onOutput: () => undefined,
        onOutputBytes: (pane, bytes) => {
          if (pane === this.paneId) this.output(bytes);
        },
        onLayoutChange: () => void this.followSize(),
        onExit: (reason) => this.end(reason === CLOSED ? 'closed' : reason),
      },
      // read-only too on a read-only console: tmux then also ignores any key the client might send.
      readOnly ? 'ignore-size,read-only' : 'ignore-size',
    );
  }

  static async open(server: TmuxServer, paneId: string, events: PaneViewEvents, opts: { readOnly: boolean }): Promise<PaneView> {
    if (!PANE_ID.test(paneId)) throw new Error(`not a pane id: ${JSON.stringify(paneId.slice(0, 50))} (expected %N)`);
    const sessionId = (await runTmux(server, ['display-message', '-p', '-t', paneId, '#{session_id}'])).trim();
    if (!/^\$\d+$/.test(sessionId)) throw new Error(`pane ${paneId} not found on tmux server "${server.name}"`);
    const view = new PaneView(server, paneId, sessionId, events, opts.readOnly);
    try {
      await view.repaint();
    } catch (err) {
      view.close();
      throw err;
    }
    return view;
  }

  /** Sends the first screen and what followed it: call once the viewer has the terminal's id. */
  start(): void {
    if (this.started || this.ended) return;
    this.started = true;
    const paint = this.firstPaint;
    this.firstPaint = '';
    this.unacked += paint.length;
    this.events.data(paint);
    this.flush();
  }

  /** Types `data` into the pane, byte for byte. */
  async write(data: string): Promise<void> {
    if (this.ended) throw new Error(`the view of ${this.paneId} has ended`);
    const bytes = Buffer.from(data, 'utf8');
    // A pane in copy mode would take the keys as copy-mode commands: leave the mode first.
    const replies = [this.client.command(`copy-mode -q -t ${this.paneId}`)];
    for (let at = 0; at < bytes.length; at += INPUT_CHUNK_BYTES) {
      const hex = [...bytes.subarray(at, at + INPUT_CHUNK_BYTES)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      replies.push(this.client.command(`send-keys -t ${this.paneId} -H ${hex}`));
    }
    await Promise.all(replies);
  }

  /** The viewer has drawn `chars` more characters. */
  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.behind && this.unacked <= LOW_WATER_CHARS) {
      this.behind = false;
      void this.repaint().catch(() => undefined);
    }
  }

  close(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.client.close();
  }

  private output(bytes: Buffer): void {
    if (this.painting || this.ended) return;
    const text = this.decoder.write(bytes);
    if (!text || this.behind) return;
    if (this.unacked + this.pending.length + text.length > HIGH_WATER_CHARS) {
      // Too far behind: what it missed is on the screen tmux keeps; it gets that later.
      this.behind = true;
      this.pending = '';
      return;
    }
    this.pending += text;
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    this.timer = null;
    if (!this.started) return; // start() sends it
    const chunk = this.pending;
    this.pending = '';
    if (!chunk || this.ended) return;
    this.unacked += chunk.length;
    this.events.data(chunk);
  }

  /** Draws the pane's screen as tmux holds it now, at its size. */
  private async repaint(): Promise<void> {
    this.painting = true;
    // One command list: the cursor and the screen of one moment. Output read after its
    // reply, even in the same read, came after that moment: it is kept (pending) and
    // goes out after the screen.
    const [stateLines = [], screen = []] = await this.client.commandList(
      [`display-message -p -t ${this.paneId} '${PANE_STATE_FORMAT}'`, `capture-pane -p -e -t ${this.paneId}`],
      () => {
        this.pending = '';
        this.decoder = new StringDecoder('utf8');
        this.painting = false;
      },
    );
    const state = parsePaneState(stateLines.join(''));
    if (this.ended) return;
    this.applySize(state);
    const text = repaintText(state, screen);
    if (!this.started) {
      this.firstPaint = text;
      return;
    }
    this.unacked += text.length;
    this.events.data(text);
  }

  private applySize(state: Pick<PaneState, 'cols' | 'rows'>): boolean {
    if (state.cols === this.cols && state.rows === this.rows) return false;
    const first = this.cols === 0;
    this.cols = state.cols;
    this.rows = state.rows;
    if (!first) this.events.resized(state.cols, state.rows);
    return true;
  }

  /** The pane was resized in tmux (by its own clients): the view follows, the pane is never touched. */
  private async followSize(): Promise<void> {
    if (this.ended || this.painting) return;
    let line: string[];
    try {
      line = await this.client.command(`display-message -p -t ${this.paneId} '#{pane_width} #{pane_height}'`);
    } catch {
      // `can't find pane`: it closed.
      this.end('the pane closed');
      return;
    }
    const [cols, rows] = (line[0] ?? '').split(' ').map(Number);
    if (cols && rows && (cols !== this.cols || rows !== this.rows)) await this.repaint().catch(() => undefined);
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.close();
    this.events.exit(reason);
  }
}
