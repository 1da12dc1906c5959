import type { LogContext, Logger } from './logger.js';

/**
 * A logger that writes at most `limit` warnings and errors per window; past it, one
 * line says how many were left out. For what outsiders can cause (a client's bad
 * requests): a flood of them must not flood the log or stall the process on it.
 */
export function rateLimited(log: Logger, limit: number, windowMs: number): Logger {
  let windowStart = 0;
  let written = 0;
  let dropped = 0;
  const allow = (): boolean => {
    const now = Date.now();
    if (now - windowStart >= windowMs) {
      if (dropped > 0) log.warn(`${dropped} similar messages were left out of the log`, { windowMs });
      windowStart = now;
      written = 0;
      dropped = 0;
    }
    if (written < limit) {
      written++;
      return true;
    }
    dropped++;
    return false;
  };
  const make = (inner: Logger): Logger => ({
    debug: (m: string, c?: LogContext) => inner.debug(m, c),
    info: (m: string, c?: LogContext) => inner.info(m, c),
    warn: (m: string, c?: LogContext) => {
      if (allow()) inner.warn(m, c);
    },
    error: (m: string, c?: LogContext) => {
      if (allow()) inner.error(m, c);
    },
    child: (c: LogContext) => make(inner.child(c)),
  });
  return make(log);
}
