import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { tmuxCommand, type TmuxServer } from './server.js';
import { activeSpawner } from './spawner.js';

/** A control client's process: started by the console's spawn helper, or by this process (a ChildProcess). */
interface ClientProcess extends EventEmitter {
  readonly stdin: { write(line: string): unknown; end(): unknown; on(event: 'error', listener: (err: Error) => void): unknown };
  readonly stdout: { setEncoding(encoding: BufferEncoding): unknown; on(event: 'data', listener: (chunk: string) => void): unknown };
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(): void;
}

/**
 * Starts a client's process: in the console, by its spawn helper, which hands the pipes
 * over (a fork from the console cost 20-130 ms of its main thread per client, 2.4 s per
 * start of 100 on the 1M bench: tmux/spawner.ts); elsewhere (tests, the CLI) here.
 */
function startClient(file: string, args: string[]): ClientProcess {
  const spawner = activeSpawner();
  if (spawner) return spawner.attach(file, args);
  return spawn(file, args, { stdio: ['pipe', 'pipe', 'ignore'] });
}

/**
 * util-linux's `setpriv`, where there is one (Linux): a client started through
 * `setpriv --pdeathsig SIGKILL` is killed by the kernel when the console dies, however
 * it dies. The end of its input is not enough: tmux 3.3a left clients attached after
 * their console was killed, their stdin at end of file and its other end gone (checked
 * with `ss -xp`: the server holds the client's stdin and never acted on it; 1 to 19 of
 * 20 clients in about one run in four, test/integration/sessions/control-clients.test.ts).
 * Without setpriv (macOS) a client ends at the end of its input, as before.
 */
function findSetpriv(): string | null {
  if (process.platform !== 'linux') return null;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const file = path.join(dir || '.', 'setpriv');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}
let setpriv: string | null | undefined;

/** The command that starts a client: under `setpriv --pdeathsig SIGKILL` when there is one. */
export function controlClientCommand(server: TmuxServer, args: readonly string[]): { file: string; args: string[] } {
  const command = tmuxCommand(server, args);
  setpriv ??= findSetpriv();
  return setpriv ? { file: setpriv, args: ['--pdeathsig', 'SIGKILL', '--', command.file, ...command.args] } : command;
}

/**
 * How long the gate below waits for a client to be answered or to exit before it stops
 * waiting for that one (an ssh that never connects, a server that never answers).
 */
export const GATE_LIMIT_MS = 10_000;

/**
 * tmux 3.3a's server crashes (SIGSEGV, every session of the user's server gone) when a
 * control client is between the first and the last message of its identify — the
 * client flags, which mark it a control client, arrive in a read of their own before
 * its control state exists — and the server meanwhile either (a) sends the control
 * clients a notification: `%client-detached` (any attached client ends), `%sessions-changed`
 * and a few more (control_notify_*: control_write on a NULL control_state), or
 * (b) loses that client (control_stop on a NULL control_state). Seen in
 * test/integration/sessions/control-clients.test.ts: closeAll in the middle of a
 * start (clients just attached were ended while the next ones were identifying) took
 * the test's server down in 1 of 40 runs under load (2 busy cores); core backtrace control_write ←
 * control_notify_client_detached ← notify_callback. Fixed upstream (tmux pull requests
 * 4980 and 5004: notify only clients with a control state; control_stop without one).
 *
 * So the clients of one server pass this gate. One we close is ended (input closed,
 * SIGTERM) only once tmux has answered it (its first line: the identify is done) and
 * no other client of ours on that server is still unanswered; and a new client starts
 * only when none of ours on that server is waiting to be ended or on its way out. What
 * the user does meanwhile (a new session, a detach) can still meet one of our clients
 * identifying: that window is tmux's, a few milliseconds per start.
 */
class ServerGate {
  /** Started, not answered yet, not exited: the server may be inside their identify. Value: since when. */
  readonly unanswered = new Map<ControlClient, number>();
  /** Closed by us, to be ended once no client of ours is unanswered. */
  readonly closing = new Set<ControlClient>();
  /** Ended (input closed, SIGTERM), not exited yet. Value: since when. */
  readonly ending = new Map<ControlClient, number>();
  /** Waiting to start until nothing of ours on the server is closing or ending. */
  readonly queued = new Set<ControlClient>();
  private recheck: NodeJS.Timeout | null = null;

  constructor(private readonly key: string) {}

  pump(): void {
    const now = Date.now();
    const live = (since: number): boolean => now - since < GATE_LIMIT_MS;
    if (![...this.unanswered.values()].some(live)) {
      for (const client of this.closing) {
        this.closing.delete(client);
        this.ending.set(client, now);
        client.end();
      }
    }
    if (this.closing.size === 0 && ![...this.ending.values()].some(live)) {
      for (const client of this.queued) {
        this.queued.delete(client);
        this.unanswered.set(client, now);
        client.start();
      }
    }
    if (this.closing.size > 0 || this.queued.size > 0) {
      // Blocked: look again when what blocks it is past the limit (sooner on any event).
      this.recheck ??= setTimeout(() => {
        this.recheck = null;
        this.pump();
      }, GATE_LIMIT_MS).unref();
    } else if (this.recheck) {
      clearTimeout(this.recheck);
      this.recheck = null;
    }
    if (this.unanswered.size + this.closing.size + this.ending.size + this.queued.size === 0) gates.delete(this.key);
  }
}
const gates = new Map<string, ServerGate>();

function gateOf(server: TmuxServer): ServerGate {
  const key = JSON.stringify([server.socket, server.ssh ?? null]);
  let gate = gates.get(key);
  if (!gate) gates.set(key, (gate = new ServerGate(key)));
  return gate;
}

/** Clients of ours that the gates hold or watch, for tests: none once every client has exited. */
export function gatedClients(): number {
  let n = 0;
  for (const g of gates.values()) n += g.unanswered.size + g.closing.size + g.ending.size + g.queued.size;
  return n;
}

export interface ControlEvents {
  /** A pane printed something (`%output`); the bytes themselves are not needed. */
  onOutput(paneId: string): void;
  /**
   * The bytes a pane printed, when wanted (a live view). With it the client reads
   * tmux's stream byte for byte, so a character split across two notifications
   * stays whole for the caller's decoder.
   */
  onOutputBytes?(paneId: string, bytes: Buffer): void;
  /**
   * tmux attached the client (the reply to its attach-session): from now on it reports
   * the session's output. What the panes printed before is not reported: the caller
   * reads them again.
   */
  onAttached?(): void;
  /** Windows, panes or sessions came or went: time to re-list panes. */
  onLayoutChange(): void;
  /** The client ended (session closed, server killed). */
  onExit(reason: string): void;
}

interface Pending {
  resolve(lines: string[]): void;
  reject(err: Error): void;
  /** The commands written on one line with this one (see commandList): tmux skips the rest of them after an error. */
  list?: Pending[];
  /** Called as the reply is read, before any line after it (see commandList). */
  onReplied?: () => void;
}

/** Notifications after which the pane list may differ. */
const LAYOUT_NOTIFICATIONS = new Set([
  '%layout-change', '%window-add', '%window-close', '%unlinked-window-add', '%unlinked-window-close',
  '%sessions-changed', '%session-renamed', '%window-renamed', '%session-window-changed', '%window-pane-changed',
]);
const PANE_ID = /^%\d+$/;
/** The exit reason when we closed the client ourselves. */
export const CLOSED = 'closed';

/**
 * A tmux control-mode client attached to one session. tmux sends `%output` only for
 * panes of the attached session, so the monitor keeps one per session. The client is
 * read-only and ignores size by default, so it never resizes or types into the
 * user's panes; a terminal view's client (terminal/pane-view.ts) also ignores size.
 */
export class ControlClient {
  /** The `tmux -C` process, once the gate has let it start. */
  private child: ClientProcess | null = null;
  /**
   * Commands sent before tmux attached the client: written once it has. tmux runs a
   * control client's input as it comes, also before its attach-session (sent by the
   * client process after the identify) has run: a screen captured then missed output
   * printed before the attach, which the client never reports (seen in 1 of 10 second
   * views of a pane, test/integration/sessions/terminal.test.ts).
   */
  private early: string[] = [];
  private readonly pending: Pending[] = [];
  private buffer = '';
  /** Lines of the reply being read, or null between replies. */
  private block: { id: string; ours: boolean; lines: string[] } | null = null;
  private closed = false;
  /** tmux has replied to the attach-session (see attached)… */
  private attachReplied = false;
  /** …and attached the client. */
  private joined = false;

  /** Set when the stream is read as bytes (latin1 text): lines are turned into UTF-8 text one by one. */
  private readonly binary: boolean;
  /** tmux client flags of the attach. */
  private readonly flags: string;

  constructor(
    readonly server: TmuxServer,
    readonly sessionId: string,
    private readonly events: ControlEvents,
    /** tmux client flags: never `ignore-size` less (a client with a size resizes the user's windows). */
    flags = 'ignore-size,read-only',
  ) {
    this.binary = events.onOutputBytes !== undefined;
    this.flags = flags;
    // Starts now, unless a client of ours on this server is being ended (see ServerGate).
    this.gate.queued.add(this);
    this.gate.pump();
  }

  /** This server's gate (looked up each time: an idle server's gate is dropped). */
  private get gate(): ServerGate {
    return gateOf(this.server);
  }

  /** Starts the process: called by the gate. */
  start(): void {
    // Remote: `ssh -T … tmux -C attach …`, the same protocol over ssh's stdin/stdout.
    const { file, args } = controlClientCommand(this.server, ['-C', 'attach-session', '-f', this.flags, '-t', this.sessionId]);
    const child = startClient(file, args);
    this.child = child;
    child.stdout.setEncoding(this.binary ? 'latin1' : 'utf8');
    child.stdout.on('data', (chunk: string) => {
      // tmux's first line comes once the server is done with the identify.
      if (this.gate.unanswered.delete(this)) this.gate.pump();
      this.read(chunk);
    });
    child.stdin.on('error', () => {}); // reported through 'exit'
    child.on('error', (err) => {
      this.gone();
      this.finish(`cannot start ${file}: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      this.gone();
      this.finish(`tmux control client exited (${signal ?? code})`);
    });
  }

  /** Ends the process (its input, then SIGTERM): called by the gate once that is safe. */
  end(): void {
    this.child?.stdin.end();
    this.child?.kill();
  }

  /** The process exited (or never started): the gate stops waiting for it. */
  private gone(): void {
    const g = this.gate;
    // Not ||: a client closed before tmux answered it is both unanswered and closing.
    const held = [g.unanswered.delete(this), g.closing.delete(this), g.ending.delete(this)].includes(true);
    if (held) g.pump();
  }

  /** The `tmux -C` process (for measuring what a client costs); undefined until it starts. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return !this.closed;
  }

  /**
   * Alive and attached by tmux (its attach-session replied): its session's output is
   * reported from now on. A client waiting to start (ServerGate), or started and not
   * attached yet (tmux's identify; a pipe on its way from the spawn helper), reports none yet.
   */
  get attached(): boolean {
    return !this.closed && this.joined;
  }

  /**
   * Alive and its process started: no longer waiting at the gate (ServerGate), where it
   * may wait up to GATE_LIMIT_MS. A command over it runs once tmux has attached the client.
   */
  get started(): boolean {
    return !this.closed && this.child !== null;
  }

  /** Runs one tmux command over the client; replies come back in order. */
  command(line: string): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error(`control client for ${this.server.name}/${this.sessionId} is closed`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.send(line);
    });
  }

  /**
   * Runs commands as one tmux command list (one line, ` ; ` between them): tmux runs
   * them back to back and reads no pane output in between, so their replies describe
   * one moment (a screen and its cursor). `onReplied` is called as the last reply is
   * read, before any `%output` that follows it in the same read: the promises settle
   * only after that whole read, and output in it came after the commands ran. After
   * an error tmux skips the rest of the list: those are rejected with the same error.
   */
  commandList(lines: readonly string[], onReplied?: () => void): Promise<string[][]> {
    if (this.closed) return Promise.reject(new Error(`control client for ${this.server.name}/${this.sessionId} is closed`));
    const list: Pending[] = [];
    const replies = lines.map(
      (_, i) =>
        new Promise<string[]>((resolve, reject) => {
          const waiter: Pending = { resolve, reject, list, ...(i === lines.length - 1 && onReplied ? { onReplied } : {}) };
          list.push(waiter);
          this.pending.push(waiter);
        }),
    );
    this.send(lines.join(' ; '));
    return Promise.all(replies);
  }

  /** Writes a command line now, or once tmux has replied to the attach (see early). */
  private send(line: string): void {
    if (this.child && this.attachReplied) this.child.stdin.write(line + '\n');
    else this.early.push(line);
  }

  /** tmux replied to the attach-session: the session's output is reported from here; commands go out. */
  private onAttachReply(ok: boolean): void {
    if (this.attachReplied) return;
    this.attachReplied = true;
    if (this.closed) return;
    // After a failed attach the commands still go out: tmux answers them (or the client exits), so none waits forever.
    for (const line of this.early.splice(0)) this.child?.stdin.write(line + '\n');
    if (!ok) return;
    this.joined = true;
    this.events.onAttached?.();
  }

  /** The visible screen of a pane, wrapped lines joined. */
  capture(paneId: string): Promise<string[]> {
    if (!PANE_ID.test(paneId)) return Promise.reject(new Error(`not a pane id: ${JSON.stringify(paneId)}`));
    return this.command(`capture-pane -p -J -t ${paneId}`);
  }

  /**
   * Closes the client: done for the caller at once; the process is ended when the gate
   * allows (see ServerGate), and one that has not started yet never starts.
   */
  close(reason = CLOSED): void {
    if (this.closed) return;
    if (this.gate.queued.delete(this)) {
      this.gate.pump();
    } else if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.gate.closing.add(this);
      this.gate.pump();
    }
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.early.length = 0;
    for (const p of this.pending.splice(0)) p.reject(new Error(`${reason} (${this.server.name}/${this.sessionId})`));
    this.events.onExit(reason);
  }

  private read(chunk: string): void {
    const text = this.buffer + chunk;
    // Walk the text once and keep only the unfinished tail: a 200-screen capture burst
    // is thousands of lines in a few chunks.
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    this.buffer = text.slice(start);
  }

  private line(line: string): void {
    if (this.block) {
      // Inside a reply every line is data (a captured line may start with %) until
      // the %end/%error that repeats the %begin's arguments.
      const end = line.startsWith('%end ') || line.startsWith('%error ');
      if (end && line.slice(line.indexOf(' ') + 1) === this.block.id) {
        const block = this.block;
        this.block = null;
        // Blocks with flags 0 answer commands we did not send: the attach itself.
        if (!block.ours) return this.onAttachReply(line.startsWith('%end '));
        const waiter = this.pending.shift();
        if (!waiter) return;
        if (line.startsWith('%end ')) {
          waiter.onReplied?.();
          waiter.resolve(block.lines);
          return;
        }
        const err = new Error(`tmux: ${block.lines.join(' ')}`);
        waiter.reject(err);
        // The rest of its list never ran: no reply will come for them.
        const skipped = waiter.list ? waiter.list.length - 1 - waiter.list.indexOf(waiter) : 0;
        for (const rest of this.pending.splice(0, skipped)) rest.reject(err);
        return;
      }
      this.block.lines.push(this.binary ? Buffer.from(line, 'latin1').toString('utf8') : line);
      return;
    }
    const space = line.indexOf(' ');
    const kind = space < 0 ? line : line.slice(0, space);
    if (kind === '%begin') {
      const id = line.slice(space + 1);
      this.block = { id, ours: id.endsWith(' 1'), lines: [] };
    } else if (kind === '%output' || kind === '%extended-output') {
      const end = line.indexOf(' ', space + 1);
      const paneId = line.slice(space + 1, end < 0 ? undefined : end);
      this.events.onOutput(paneId);
      if (kind === '%output' && end >= 0) this.events.onOutputBytes?.(paneId, unescapeOutput(line.slice(end + 1)));
    } else if (LAYOUT_NOTIFICATIONS.has(kind)) {
      this.events.onLayoutChange();
    } else if (kind === '%exit') {
      // tmux detached us (session killed, server exiting): not our doing, so say so.
      this.close(`tmux: ${line}`);
    }
  }
}

/**
 * The bytes of a `%output` value read as latin1 text: tmux writes bytes below 32 and
 * the backslash as `\ooo` (octal), everything else as is.
 */
export function unescapeOutput(value: string): Buffer {
  const bytes = Buffer.allocUnsafe(value.length);
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5c && i + 3 < value.length && /^[0-7]{3}$/.test(value.slice(i + 1, i + 4))) {
      bytes[n++] = parseInt(value.slice(i + 1, i + 4), 8) & 0xff;
      i += 3;
    } else {
      bytes[n++] = c & 0xff;
    }
  }
  return bytes.subarray(0, n);
}
