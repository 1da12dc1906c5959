// A burst of calls, one run: the first call after a quiet spell runs `fn` on the next
// turn of the event loop (so everything changed in the same turn is seen at once), and
// calls meanwhile wait for the window to end instead of each running it again. Used for
// `tasks.changed`: a start-up recovery requeues 45k tasks in rounds of 50, each task a
// change; every change used to read the counts and push an event to every client
// (16 of 95 s of the console's main thread in a profile on the 1M seed).

export interface Coalesced {
  /** Something changed: `fn` runs soon, once for however many calls arrive meanwhile. */
  call(): void;
  /** No run pending any more (a stopping feature). */
  cancel(): void;
}

export function coalesce(fn: () => void, everyMs: number, now: () => number = () => performance.now()): Coalesced {
  let timer: NodeJS.Timeout | null = null;
  /** When fn last ran: the next run waits until everyMs after it. */
  let lastRun = -Infinity;
  const run = (): void => {
    timer = null;
    lastRun = now();
    fn();
  };
  return {
    call() {
      if (timer) return;
      timer = setTimeout(run, Math.max(0, lastRun + everyMs - now()));
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
