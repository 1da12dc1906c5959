import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTestServer, testSocket } from '../../support/tmux.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENS_DIR = path.resolve(here, '../../fixtures/screens');
export const AGENTS_YAML = path.resolve(here, '../../../config/base/agents.yaml');

/** A private tmux server (`tmux -L test-…`) and a bin folder of fake agents named like the real ones. */
export class PrivateTmux {
  readonly socket = testSocket('sessions');
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-sessions-'));
  readonly bin = path.join(this.dir, 'bin');

  constructor() {
    fs.mkdirSync(this.bin);
    // Each fake agent shows the named screens in turn, moving on at each Enter. The
    // name `blank` clears the screen and paints nothing (a redraw caught mid-way).
    const replay = [
      '#!/bin/sh',
      'stty -echo 2>/dev/null',
      'for name in "$@"; do',
      "  printf '\\033[H\\033[2J'",
      '  if [ "$name" = blank ]; then read _; continue; fi',
      `  cat "${SCREENS_DIR}/$name.txt"`,
      `  if [ -f "${SCREENS_DIR}/$name.title" ]; then printf '\\033]2;%s\\033\\\\' "$(cat "${SCREENS_DIR}/$name.title")"; fi`,
      '  read _',
      'done',
      '',
    ].join('\n');
    for (const agent of ['claude', 'codex', 'gemini']) {
      fs.writeFileSync(path.join(this.bin, agent), replay, { mode: 0o755 });
    }
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-u', '-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** A new session whose pane runs a plain sh with the fake agents on PATH; returns the pane id. */
  newSession(name: string, width = 200, height = 50): string {
    return this.tmux(
      'new-session', '-d', '-P', '-F', '#{pane_id}', '-s', name, '-x', String(width), '-y', String(height),
      'env', `PATH=${this.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, 'PS1=$ ', 'sh',
    ).trim();
  }

  type(paneId: string, text: string): void {
    this.tmux('send-keys', '-t', paneId, '-l', text);
    this.tmux('send-keys', '-t', paneId, 'Enter');
  }

  killServer(): void {
    killTestServer(this.socket);
  }

  cleanup(): void {
    this.killServer();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves when `check` passes after a change (or at once); rejects with what was seen after `limitMs`. */
export function waitUntil<T>(subscribe: (cb: () => void) => () => void, check: () => T | undefined | false, what: string, limitMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe = (): void => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, limitMs);
    const test = (): boolean => {
      const v = check();
      if (v === undefined || v === false) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(v);
      return true;
    };
    if (!test()) unsubscribe = subscribe(() => void test());
  });
}
