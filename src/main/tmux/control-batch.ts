import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { CONTROL_FLAGS, type ControlTransport } from './control-client.js';
import { tmuxArgs, type TmuxServer } from './server.js';
import { shellCommand } from './shell-quote.js';

/**
 * Clients started by one `bash`: keeps the command line (which closes every other
 * client's descriptor in each job, so it grows with the square) well under Linux's
 * 128 KB per argument.
 */
export const MAX_CLIENTS_PER_BATCH = 64;
let batchesWork = true;
/** Whether a batch can start (false once bash was found missing: then each client starts its own tmux). */
export function canStartBatches(): boolean {
  return batchesWork;
}
/** The first descriptor the batch's sockets get in `bash` (0–2 are its own stdio). */
const FIRST_FD = 3;

/**
 * Starts one `tmux -C attach` per session of a local server with ONE process start from
 * this (large) process: a `bash` is spawned with one socket per client as an extra
 * descriptor (dash, Debian's sh, takes single-digit descriptors only), and starts the
 * clients itself (forks of a small shell are cheap), each on
 * its own socket for input and output, the others' closed, then exits. Starting 100
 * clients one spawn each cost ~5 s of the console's main thread under load (issue 20):
 * each spawn forks a process of a few hundred MB. tmux 3.3 cannot follow every session
 * from one client (`%output` and `refresh-client -B` subscriptions cover the attached
 * session's panes only; checked on 3.3a), so the clients stay one per session.
 *
 * Returns each session's transport, in order. A client ends when its tmux exits
 * (session closed) or its socket is ended (the transport's kill: tmux exits on end of
 * input).
 */
export function startControlClients(server: TmuxServer, sessionIds: readonly string[], flags = CONTROL_FLAGS): ControlTransport[] {
  if (!batchesWork) throw new Error('no bash to start a batch of control clients');
  if (server.ssh) throw new Error('a batch of control clients is local only (over ssh each client is a channel of the shared connection)');
  const out: ControlTransport[] = [];
  for (let i = 0; i < sessionIds.length; i += MAX_CLIENTS_PER_BATCH) out.push(...startBatch(server, sessionIds.slice(i, i + MAX_CLIENTS_PER_BATCH), flags));
  return out;
}

function startBatch(server: TmuxServer, sessionIds: readonly string[], flags: string): ControlTransport[] {
  const fds = sessionIds.map((_, i) => FIRST_FD + i);
  const jobs = sessionIds.map((id, i) => {
    const fd = fds[i]!;
    const others = fds.filter((f) => f !== fd).map((f) => `${f}<&-`).join(' ');
    return `${shellCommand(['tmux', ...tmuxArgs(server, ['-C', 'attach-session', '-f', flags, '-t', id])])} <&${fd} >&${fd} 2>/dev/null ${others} &`;
  });
  // bash: dash (Debian's sh) takes single-digit descriptors only.
  const child = spawn('bash', ['-c', `${jobs.join('\n')}\nexit 0`], { stdio: ['ignore', 'ignore', 'ignore', ...fds.map(() => 'pipe' as const)] });
  let failed: string | null = null;
  const failedListeners: Array<(reason: string) => void> = [];
  child.on('error', (err) => {
    // No bash here: the clients that failed are retried after their back-off, one process each.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') batchesWork = false;
    failed = `cannot start bash for tmux control clients: ${err.message}`;
    for (const l of failedListeners.splice(0)) l(failed);
  });
  return fds.map((fd) => {
    const socket = child.stdio[fd] as Socket;
    return {
      input: socket,
      output: socket,
      kill: () => socket.destroy(),
      onEnd: (listener) => {
        if (failed) return listener(failed);
        failedListeners.push(listener);
        socket.on('close', () => listener('tmux control client exited'));
      },
    };
  });
}
