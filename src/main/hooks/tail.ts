import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ensurePrivateDir } from '../paths.js';
import { parseHookLine, type HookEvent } from './events.js';

/** On start only the end of an old file is read: older events are past any freshness window anyway. */
const START_TAIL_BYTES = 64 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;

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
      fd = fs.openSync(this.file, 'r');
    } catch {
      return; // no hook has written yet
    }
    try {
      const st = fs.fstatSync(fd);
      if (this.offset < 0) {
        this.offset = Math.max(0, st.size - START_TAIL_BYTES);
        if (this.offset > 0) this.partial = '\0'; // mid-line: drop up to the first newline
      } else if (st.ino !== this.inode || st.size < this.offset) {
        this.offset = 0;
        this.partial = '';
        this.decoder = new StringDecoder('utf8');
      }
      this.inode = st.ino;
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
