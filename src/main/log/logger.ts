import fs from 'node:fs';
import path from 'node:path';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogContext = Record<string, unknown>;

export interface Logger {
  debug(msg: string, ctx?: LogContext): void;
  info(msg: string, ctx?: LogContext): void;
  warn(msg: string, ctx?: LogContext): void;
  error(msg: string, ctx?: LogContext): void;
  child(ctx: LogContext): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** JSON lines go here (appended); omitted in tests that only want the console. */
  file?: string;
  /** Readable lines go here; defaults to stderr so stdout stays clean for data. */
  console?: NodeJS.WritableStream | null;
}

/** Structured JSON lines to a file, readable lines on the console. */
export function createLogger(options: LoggerOptions, base: LogContext = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  let fd: number | null = null;
  if (options.file) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    fd = fs.openSync(options.file, 'a');
  }
  const out = options.console === undefined ? process.stderr : options.console;

  const write = (level: LogLevel, msg: string, ctx: LogContext = {}): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const time = new Date().toISOString();
    const merged = { ...base, ...ctx };
    if (fd !== null) {
      fs.writeSync(fd, JSON.stringify({ time, level, msg, ...serialisable(merged) }) + '\n');
    }
    if (out) {
      const extra = Object.entries(merged)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(serialisable({ v }).v)}`)
        .join(' ');
      out.write(`${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ' ' + extra : ''}\n`);
    }
  };

  const make = (ctxBase: LogContext): Logger => ({
    debug: (m, c) => write('debug', m, { ...ctxBase, ...c }),
    info: (m, c) => write('info', m, { ...ctxBase, ...c }),
    warn: (m, c) => write('warn', m, { ...ctxBase, ...c }),
    error: (m, c) => write('error', m, { ...ctxBase, ...c }),
    child: (c) => make({ ...ctxBase, ...c }),
  });
  return make({});
}

function serialisable(ctx: LogContext): LogContext {
  const out: LogContext = {};
  for (const [k, v] of Object.entries(ctx)) {
    out[k] = v instanceof Error ? { message: v.message, stack: v.stack } : v;
  }
  return out;
}

/** A logger that drops everything; for tests and pure library use. */
export const silentLogger: Logger = createLogger({ level: 'error', console: null });
