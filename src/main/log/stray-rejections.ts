// A promise rejected with nobody to catch it ends a Node process by default. A console
// left running all day must not die of one stray rejection in a side path (a
// notification send, a timer's write): it is logged, with its stack, and the console
// goes on. Installed by the long-running entry points only (`architect serve`, the
// desktop app); CLI commands and tests keep Node's default.
import type { Logger } from './logger.js';
import { rateLimited } from './rate-limit.js';

/** At most this many lines a minute: a rejection in a loop must not flood the log. */
const LINES_PER_MINUTE = 20;

/** Logs every unhandled rejection instead of exiting; returns the function that takes the handler back off. */
export function logStrayRejections(log: Logger): () => void {
  const limited = rateLimited(log, LINES_PER_MINUTE, 60_000);
  const onRejection = (reason: unknown): void => {
    limited.error('a promise was rejected and nothing handled it; the console keeps running (please report this)', {
      error: reason instanceof Error ? reason : String(reason),
    });
  };
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('unhandledRejection', onRejection);
  };
}
