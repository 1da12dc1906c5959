import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Caller, Handlers } from '../../shared/api.js';
import type { Logger } from '../log/logger.js';
import { rateLimited } from '../log/rate-limit.js';
import { handleRpcMessage, notification, RPC_PARSE_ERROR } from './jsonrpc.js';

/** Requests one connection may have running at once; past it the server stops reading from it. */
export const MAX_IN_FLIGHT = 32;
/**
 * Output waiting for a client that does not read. Past it the server takes no more
 * requests from that client (TCP pushes back on the sender) and skips its events
 * (it re-reads everything when it catches up or reconnects).
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Client mistakes logged per connection per minute; a flood of bad frames cannot flood the log. */
const LOGGED_MISTAKES_PER_MINUTE = 20;
const MINUTE_MS = 60_000;

/**
 * One WebSocket client: its own caller (terminals it opens are its own), a bound on
 * what it may have in flight and on what may wait for it to read.
 */
export class RpcConnection {
  readonly caller: Caller;
  private inFlight = 0;
  private readonly waiting: string[] = [];
  private paused = false;
  private closed = false;
  /** The events this client asked for (events.subscribe); null: every event. */
  private subscribed: ReadonlySet<string> | null = null;
  private readonly gone: Array<() => void> = [];
  private readonly log: Logger;

  constructor(
    private readonly ws: WebSocket,
    private readonly handlers: Handlers,
    log: Logger,
    readOnly: boolean,
  ) {
    const id = randomBytes(8).toString('hex');
    this.log = rateLimited(log.child({ client: id }), LOGGED_MISTAKES_PER_MINUTE, MINUTE_MS);
    this.caller = {
      id,
      readOnly,
      notify: (event, payload) => this.push(notification(event, payload)),
      onGone: (fn) => {
        if (this.closed) fn();
        else this.gone.push(fn);
      },
      subscribe: (events) => {
        this.subscribed = new Set(events);
      },
    };
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? null : data.toString()));
    ws.on('close', () => this.close());
    ws.on('error', (err) => this.log.warn('websocket error', { error: err }));
  }

  /** Whether this client wants an event pushed to every client (its subscription, if it made one). */
  wants(event: string): boolean {
    return this.subscribed === null || this.subscribed.has(event);
  }

  /**
   * An event: skipped while this one is too far behind. A frame for every client comes
   * as UTF-8 bytes encoded once (sent as a text frame), not re-encoded per client.
   */
  push(frame: string | Buffer): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN || this.ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
    this.ws.send(frame, { binary: false }, (err) => this.sent(err));
  }

  /** A frame reached the socket (or failed to: the client is gone). */
  private sent(err?: Error): void {
    if (err) this.close();
    else this.pump();
  }

  private onMessage(text: string | null): void {
    if (text === null) {
      this.reply(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: RPC_PARSE_ERROR, message: 'binary frames are not accepted' } }));
      return;
    }
    // Frames already read arrive even after the socket is paused: they wait here (a
    // few, since nothing more is read meanwhile) until the client has room again.
    this.waiting.push(text);
    this.pump();
  }

  private hasRoom(): boolean {
    return this.inFlight < MAX_IN_FLIGHT && this.ws.bufferedAmount <= MAX_BUFFERED_BYTES;
  }

  /** Starts waiting requests while the client has room; reads more from it only when none wait. */
  private pump(): void {
    if (this.closed) return;
    if (this.ws.readyState !== this.ws.OPEN) {
      // Gone (maybe unnoticed while its socket was paused): its waiting requests go with it.
      this.close();
      return;
    }
    while (this.waiting.length > 0 && this.hasRoom()) this.run(this.waiting.shift() as string);
    const read = this.waiting.length === 0 && this.hasRoom();
    if (read && this.paused) {
      this.paused = false;
      this.ws.resume();
    } else if (!read && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
  }

  private run(text: string): void {
    this.inFlight++;
    handleRpcMessage(this.handlers, text, this.caller, this.log)
      .then((reply) => {
        if (reply !== null) this.reply(reply);
      })
      .catch((err: unknown) => this.log.error('a request failed outside its handler', { error: err instanceof Error ? err : String(err) }))
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }

  private reply(frame: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame, (err) => this.sent(err));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting.length = 0;
    for (const fn of this.gone.splice(0)) {
      try {
        fn();
      } catch (err) {
        this.log.error('cleaning up after a client failed', { error: err instanceof Error ? err : String(err) });
      }
    }
  }
}
