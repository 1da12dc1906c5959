import type { Logger } from '../log/logger.js';
import type { TmuxServer } from '../tmux/server.js';

// A remote host that stops answering (ssh fails, or its link hangs until the shared
// connection's keep-alives give up) is in an outage: its sessions read `unknown`
// ("host unreachable"), scans leave it alone, and one reconnect attempt at a time
// runs on a doubling delay until it answers. Then the monitor scans it again and its
// sessions get their state back from their screens.

/** The reason its sessions carry meanwhile (what an operator sees on the card). */
export const HOST_UNREACHABLE = 'host unreachable';
/** The first reconnect attempt comes this soon: a restarted sshd or a blip is back in a second… */
export const RECONNECT_FIRST_MS = 1_000;
/** …and each failure doubles the wait up to this: a long outage costs two ssh attempts a minute, and a host back is seen within half a minute. */
export const RECONNECT_MAX_MS = 30_000;

interface Outage {
  sinceMs: number;
  attempts: number;
  timer: NodeJS.Timeout | null;
}

export interface HostOutagesOptions {
  /** Resolves when the host answers (a tmux that is not running counts: the host is there). */
  probe(server: TmuxServer): Promise<void>;
  /** The host answered again. */
  onBack(server: TmuxServer): void;
  log: Logger;
  firstMs?: number;
  maxMs?: number;
}

export class HostOutages {
  private readonly outages = new Map<TmuxServer, Outage>();
  private running = true;

  constructor(private readonly options: HostOutagesOptions) {}

  isDown(server: TmuxServer): boolean {
    return this.outages.has(server);
  }

  /** A host failed to answer. True when this starts its outage (its sessions are to be marked); later failures change nothing. */
  down(server: TmuxServer, err: unknown): boolean {
    if (!this.running || this.outages.has(server)) return false;
    const outage: Outage = { sinceMs: Date.now(), attempts: 0, timer: null };
    this.outages.set(server, outage);
    const retryInMs = this.delay(0);
    this.options.log.warn('host unreachable: its sessions are unknown until it answers; reconnecting with back-off', {
      server: server.name,
      host: server.ssh?.host,
      retryInMs,
      err: message(err),
    });
    this.schedule(server, outage, retryInMs);
    return true;
  }

  /** The server is no longer watched: no more attempts. */
  forget(server: TmuxServer): void {
    const outage = this.outages.get(server);
    if (outage?.timer) clearTimeout(outage.timer);
    this.outages.delete(server);
  }

  stop(): void {
    this.running = false;
    for (const server of [...this.outages.keys()]) this.forget(server);
  }

  private delay(attempts: number): number {
    const first = this.options.firstMs ?? RECONNECT_FIRST_MS;
    return Math.min(this.options.maxMs ?? RECONNECT_MAX_MS, first * 2 ** attempts);
  }

  private schedule(server: TmuxServer, outage: Outage, ms: number): void {
    outage.timer = setTimeout(() => {
      outage.timer = null;
      void this.attempt(server, outage);
    }, ms);
  }

  private async attempt(server: TmuxServer, outage: Outage): Promise<void> {
    outage.attempts++;
    try {
      await this.options.probe(server);
    } catch (err) {
      if (this.outages.get(server) !== outage) return;
      const retryInMs = this.delay(outage.attempts);
      this.options.log.info('host still unreachable', { server: server.name, attempts: outage.attempts, retryInMs, err: message(err) });
      this.schedule(server, outage, retryInMs);
      return;
    }
    if (this.outages.get(server) !== outage) return;
    this.outages.delete(server);
    this.options.log.info('host reachable again', { server: server.name, downForMs: Date.now() - outage.sinceMs, attempts: outage.attempts });
    this.options.onBack(server);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
