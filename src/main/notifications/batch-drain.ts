// Work that arrives in bursts, done a batch per turn of the event loop: an SLA pass
// over a backlog raises thousands of alerts inside its own transaction, and publishing
// each of them there would hold up every push, RPC and terminal behind it.

/** Items held at most; beyond, the oldest are let go (and counted) rather than grow without bound. */
const MAX_WAITING = 100_000;

export class BatchDrain<T> {
  private readonly waiting: T[] = [];
  private scheduled = false;
  private stopped = false;
  /** Items let go because MAX_WAITING were already waiting. */
  dropped = 0;

  constructor(
    private readonly handle: (batch: T[]) => void,
    private readonly batchSize: number,
  ) {}

  push(item: T): void {
    if (this.stopped) return;
    this.waiting.push(item);
    if (this.waiting.length > MAX_WAITING) {
      this.waiting.shift();
      this.dropped++;
    }
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.waiting.length = 0;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      this.handle(this.waiting.splice(0, this.batchSize));
      if (this.waiting.length > 0) this.schedule();
    });
  }
}
