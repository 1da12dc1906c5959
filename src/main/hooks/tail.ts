import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ensurePrivateDir } from '../paths.js';
import { parseHookLine, type HookEvent } from './events.js';

/** On start only the end of an old file is read: older events are past any freshness window anyway. */
const START_TAIL_BYTES = 64 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;
/**
 * Bytes read in one poll at most: past it the rest of a flood is skipped from the
 * front (those events are stale by the time they would be read).
 */
const MAX_CATCH_UP_BYTES = 1024 * 1024;
/** A hook line is a few hundred bytes; a "line" longer than this is dropped up to its end. */
const MAX_LINE_CHARS = 16 * 1024;

/**
 * Follows the hooks file: inotify (fs.watch on its folder, which also sees the file
 * created or replaced) for a prompt read, `poll()` from the monitor's safety scan for
 * anything a watch missed. Reads only the bytes added since the last read.
 */
export class HookTail {
  private offset = -1;
  private inode = -1;
  private partial = '';
  /** Keeps a UTF-8 character split across two reads whole. */
  private decoder = new StringDecoder('utf8');
  private watcher: fs.FSWatcher | null = null;

  constructor(
    readonly file: string,
    private readonly onEvent: (event: HookEvent) => void,
  ) {}

  start(): void {
    const dir = path.dirname(this.file);
    ensurePrivateDir(dir);
    this.poll();
    try {
      this.watcher = fs.watch(dir, (_kind, name) => {
        if (name === null || name === path.basename(this.file)) this.poll();
      });
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      // No inotify: the monitor's periodic poll still reads new events.
    }
  }

  stop(): void {
    this.stopWatching();
  }

  /** Reads whatever was appended since last time (a replaced or truncated file is read from its start). */
  poll(): void {
    let fd: number;
    try {
      // Non-blocking: a FIFO put in the file's place must not stop the console waiting for a writer.
      fd = fs.openSync(this.file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch {
      return; // no hook has written yet
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return; // a folder, a pipe or a device: nothing to follow
      if (this.offset < 0) {
        this.offset = Math.max(0, st.size - START_TAIL_BYTES);
        if (this.offset > 0) this.partial = '\0'; // mid-line: drop up to the first newline
      } else if (st.ino !== this.inode || st.size < this.offset) {
        this.offset = 0;
        this.partial = '';
        this.decoder = new StringDecoder('utf8');
      }
      this.inode = st.ino;
      if (st.size - this.offset > MAX_CATCH_UP_BYTES) {
        this.offset = st.size - MAX_CATCH_UP_BYTES;
        this.partial = '\0'; // mid-line: drop up to the first newline
        this.decoder = new StringDecoder('utf8');
      }
      const buf = Buffer.alloc(READ_CHUNK_BYTES);
      while (this.offset < st.size) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, st.size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.take(this.decoder.write(buf.subarray(0, n)));
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    // A line without end is not held whole: it is dropped up to its newline.
    if (this.partial.length > MAX_LINE_CHARS) this.partial = '\0';
    for (const line of lines) {
      if (line.startsWith('\0')) continue;
      const event = parseHookLine(line);
      if (event) this.onEvent(event);
    }
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}
