import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, tightenToOwner } from '../paths.js';

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

/** Past this the log file is rotated (`.1`, `.2`, … kept): the log never grows without bound. */
export const LOG_FILE_MAX_BYTES = 10 * 1024 * 1024;
/** Rotated files kept beside the current one. */
export const LOG_FILES_KEPT = 3;
/** Longest string kept in a log line: pane text or a hostile request may be megabytes. */
const MAX_FIELD_CHARS = 2_000;

export interface LoggerOptions {
  level: LogLevel;
  /** JSON lines go here (appended, 0600, rotated); omitted in tests that only want the console. */
  file?: string;
  /** Readable lines go here; defaults to stderr so stdout stays clean for data. */
  console?: NodeJS.WritableStream | null;
  /** Rotation threshold (LOG_FILE_MAX_BYTES by default). */
  maxBytes?: number;
}

/** A log file that starts afresh (the old one kept as `.1`) once it passes its size. */
class LogFile {
  private fd: number;
  private size: number;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {
    ensurePrivateDir(path.dirname(file));
    this.fd = this.open();
    this.size = fs.fstatSync(this.fd).size;
  }

  write(line: string): void {
    if (this.size + line.length > this.maxBytes && this.size > 0) this.rotate();
    this.size += fs.writeSync(this.fd, line);
  }

  private open(): number {
    const fd = fs.openSync(this.file, 'a', 0o600);
    tightenToOwner(this.file, 0o600);
    return fd;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    for (let i = LOG_FILES_KEPT - 1; i >= 1; i--) {
      try {
        fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      } catch {
        // not there yet
      }
    }
    fs.renameSync(this.file, `${this.file}.1`);
    this.fd = this.open();
    this.size = 0;
  }
}

/** Structured JSON lines to a file, readable lines on the console. */
export function createLogger(options: LoggerOptions, base: LogContext = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const file = options.file ? new LogFile(options.file, options.maxBytes ?? LOG_FILE_MAX_BYTES) : null;
  const out = options.console === undefined ? process.stderr : options.console;

  const write = (level: LogLevel, msg: string, ctx: LogContext = {}): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const time = new Date().toISOString();
    const merged = serialisable({ ...base, ...ctx });
    const text = cut(msg);
    if (file) {
      try {
        file.write(JSON.stringify({ time, level, msg: text, ...merged }) + '\n');
      } catch {
        // A full disk or a removed folder must not take the console down with the log.
      }
    }
    if (out) {
      const extra = Object.entries(merged)
        .filter(([, v]) => v !== undefined) // a field left unset says nothing ("session=undefined")
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      out.write(`${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${text}${extra ? ' ' + extra : ''}\n`);
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

function cut(text: string): string {
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}… (${text.length} characters)` : text;
}

function serialisable(ctx: LogContext): LogContext {
  const out: LogContext = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (v instanceof Error) out[k] = { message: cut(v.message), stack: v.stack ? cut(v.stack) : undefined };
    else if (typeof v === 'string') out[k] = cut(v);
    else {
      let json: string | undefined;
      try {
        json = JSON.stringify(v);
      } catch {
        json = '"[unserialisable]"';
      }
      out[k] = json !== undefined && json.length > MAX_FIELD_CHARS ? cut(json) : v;
    }
  }
  return out;
}

/** A logger that drops everything; for tests and pure library use. */
export const silentLogger: Logger = createLogger({ level: 'error', console: null });
