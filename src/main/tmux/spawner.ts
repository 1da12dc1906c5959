import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';

// Starting a program from the console costs the console's thread time in proportion to
// its size: Node (libuv) forks, and the kernel copies the page tables of the whole
// process before the child can exec. Measured on this machine (idle, 2 cores): 2.7 ms
// median from a 44 MB process, 22 ms from 244 MB, 70 ms (max 138 ms) from 650 MB — all
// of it on the main thread, before spawn() returns. On the 1M-task bench the console
// (~200 MB) spent 7.9 s of its main thread per minute forking `git` for task
// environments (issue 20: the control's 0.4–1 s stalls while ~90 agents were dispatched).
//
// The spawner is a small Node process of the console's own, started once while the
// console is still small: the console sends it a program to run (file, argument array,
// stdin, environment, time limit) and gets back the exit status and output; it kills a
// program whose request the console withdraws (by its id). Forks then copy the
// spawner's ~40 MB, on its own thread. Like the query readers, its code is plain
// JavaScript text run with `node -e` (Electron's binary with ELECTRON_RUN_AS_NODE), so
// it runs the same under tsx, vitest, plain Node and a bundled Electron main.
//
// Programs that run and end (tmux commands, git, ssh's ps, notification command
// channels) run in it and their output comes back in the answer. Control clients, whose stdin and stdout stay open for the
// session's life, are started by it too (attach): it hands their two pipes to the
// console over the IPC channel (the file descriptors themselves), so the console reads
// and writes them as if it had started the client, and the helper tells when one ends.
export const SPAWNER_SOURCE = `
const { spawn } = require('node:child_process');
// The console went away (however it died, the IPC channel closes): so do we. Not only
// on 'disconnect': Node defers it while a handed-over pipe waits for the console's
// acknowledgement, which a dead console never sends (a helper outlived its console
// so, in 1 of 5 runs). The parent's pid is looked at too.
process.on('disconnect', () => process.exit(0));
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 250).unref();
// Long-lived programs (tmux control clients): their stdin and stdout pipes are handed
// to the console, which reads and writes them itself; the console ends one with kill.
const attached = new Map();
function attach(m) {
  let child;
  try {
    child = spawn(m.file, m.argv, { stdio: ['pipe', 'pipe', 'ignore'], env: m.env });
  } catch (e) {
    return process.send({ id: m.id, error: e.message, errno: e.code || null });
  }
  attached.set(m.id, child);
  child.on('error', (e) => {
    attached.delete(m.id);
    if (process.connected) process.send({ id: m.id, error: e.message, errno: e.code || null });
  });
  child.on('exit', (code, signal) => {
    attached.delete(m.id);
    if (process.connected) process.send({ id: m.id, exit: true, code, signal });
  });
  if (child.pid === undefined) return; // 'error' follows
  // Our end of its stdout starts reading at once (a socket made from a handle reads
  // from the start, and pause() does not stop the handle): stopped on the handle before
  // this turn ends, or what the program prints while the pipe is on its way (a handle is
  // closed here only once the console acknowledged it) would be read here and lost.
  const out = child.stdout._handle;
  if (out) {
    out.reading = false;
    out.readStop();
  }
  // The pipes go to the console; ours close once sent.
  process.send({ id: m.id, pipe: 'stdin', pid: child.pid }, child.stdin);
  process.send({ id: m.id, pipe: 'stdout' }, child.stdout);
}
// Programs that run and end, by request id: the console ends one it no longer waits
// for (a cancelled workflow step) with the same kill message as an attached one.
const running = new Map();
process.on('message', (m) => {
  if (m.kill !== undefined) {
    const stop = running.get(m.kill);
    return stop ? stop('request', m.signal) : attached.get(m.kill)?.kill(m.signal);
  }
  if (m.attach) return attach(m);
  let done = false;
  let timer;
  const reply = (r) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    running.delete(m.id);
    r.id = m.id;
    if (process.connected) process.send(r);
  };
  let child;
  try {
    child = spawn(m.file, m.argv, { cwd: m.cwd, stdio: [m.stdin === undefined ? 'ignore' : 'pipe', m.discardStdout ? 'ignore' : 'pipe', 'pipe'], env: m.env });
  } catch (e) {
    return reply({ error: e.message, errno: e.code || null });
  }
  const out = [];
  let size = 0;
  let err = '';
  let killed = null;
  // Ended here (over its time or its output, or asked to): its pipes are closed as it is
  // killed, as execFile does, so a process it started that still holds them (git's ssh)
  // cannot keep the answer waiting. The answer says why (killed).
  const stop = (why, signal) => {
    if (killed) return;
    killed = why;
    child.kill(signal);
    child.stdout?.destroy();
    child.stderr.destroy();
  };
  running.set(m.id, stop);
  timer = setTimeout(() => stop('timeout', m.killSignal), m.timeoutMs);
  child.stdout?.on('data', (d) => {
    size += d.length;
    if (size > m.maxBytes) stop('output');
    else out.push(d);
  });
  child.stderr.setEncoding('utf8').on('data', (d) => { if (err.length < m.maxBytes) err += d; });
  child.on('error', (e) => reply({ error: e.message, errno: e.code || null }));
  child.on('close', (code, signal) => reply({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err, killed }));
  if (child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(m.stdin);
  }
});
`;

export interface SpawnRequest {
  file: string;
  argv: readonly string[];
  cwd?: string;
  /** Written to the program's stdin, then closed; without it stdin is /dev/null. */
  stdin?: string;
  timeoutMs: number;
  /** More stdout than this kills the program (as too much output); of stderr, about this much is kept. */
  maxBytes: number;
  /** Its stdout goes to /dev/null (not read, so never too much; the answer's stdout is empty). */
  discardStdout?: boolean;
  /** The signal that ends it at its time limit (SIGTERM without). */
  killSignal?: NodeJS.Signals;
  /** The program's environment; the spawner's own (the console's at start) when absent. */
  env?: NodeJS.ProcessEnv;
}

/** Why the helper killed a program: over its time limit, over maxBytes of output, or the request was aborted. */
export type KilledFor = 'timeout' | 'output' | 'request';

/** How a program ended (`killed`: by the helper, and why), or why it could not start (`error`, with the errno code). */
export type SpawnResult =
  | { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; killed: KilledFor | null }
  | { error: string; errno: string | null };

type Reply = { id: number } & (
  | SpawnResult
  | { pipe: 'stdin'; pid: number }
  | { pipe: 'stdout' }
  | { exit: true; code: number | null; signal: NodeJS.Signals | null }
);

/**
 * A handed-over program's stdout here: what its pipe gives once it arrives, as 'data'
 * (strings after setEncoding) and one 'end'. Not a stream of its own: a PassThrough in
 * between cost 1.2 s of the console's thread per seed bench run (100 clients' output).
 */
export class HandedOutput extends EventEmitter {
  private encoding: BufferEncoding | null = null;
  private socket: Socket | null = null;
  private ended = false;

  setEncoding(encoding: BufferEncoding): this {
    this.encoding = encoding;
    this.socket?.setEncoding(encoding);
    return this;
  }

  /** The pipe arrived. */
  attach(socket: Socket): void {
    this.socket = socket;
    if (this.encoding) socket.setEncoding(this.encoding);
    socket.on('data', (chunk: string | Buffer) => this.emit('data', chunk));
    socket.once('end', () => this.finish());
    socket.once('close', () => this.finish());
  }

  /** Nothing more comes (its end, or it never started). */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('end');
  }
}

/** A handed-over program's stdin here: written to its pipe, or kept until the pipe arrives. */
export class HandedInput extends EventEmitter {
  private socket: Socket | null = null;
  private readonly early: Array<string | Buffer> = [];
  private ending = false;

  write(chunk: string | Buffer): boolean {
    if (this.socket) return this.socket.write(chunk);
    if (!this.ending) this.early.push(chunk);
    return true;
  }

  end(chunk?: string | Buffer): this {
    if (chunk !== undefined) this.write(chunk);
    this.ending = true;
    this.socket?.end();
    return this;
  }

  /** The pipe arrived: what was written before goes first. */
  attach(socket: Socket): void {
    this.socket = socket;
    for (const chunk of this.early.splice(0)) socket.write(chunk);
    if (this.ending) socket.end();
  }
}

/**
 * A long-lived program started by the helper (a control client): its stdin and stdout
 * are this process's from the start (written and read once the helper has handed over
 * the pipes). Emits 'error' (it could not start, or the helper went) and 'exit' (code,
 * signal), as a ChildProcess does.
 */
export class AttachedProgram extends EventEmitter {
  readonly stdin = new HandedInput();
  readonly stdout = new HandedOutput();
  pid: number | undefined;
  /** How it ended, as a ChildProcess says (both null while it runs). */
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private pipes: Socket[] = [];
  private stdoutPipe: Socket | null = null;
  ended = false;

  constructor(private readonly killer: (signal: NodeJS.Signals) => void) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.ended) this.killer(signal);
  }

  /** A pipe the helper handed over. */
  take(pipe: 'stdin' | 'stdout', socket: Socket): void {
    if (this.ended) {
      socket.destroy();
      return;
    }
    this.pipes.push(socket);
    socket.on('error', () => undefined); // the end shows through 'exit'
    if (pipe === 'stdin') this.stdin.attach(socket);
    else {
      this.stdoutPipe = socket;
      this.stdout.attach(socket);
    }
  }

  /**
   * It ended. Its stdin is closed here; its stdout drains to its end (what it printed
   * last still arrives), unless it never started or the helper went (then nothing more
   * can come: closed here too, as no one else would).
   */
  end(how: { code: number | null; signal: NodeJS.Signals | null } | { error: Error }): void {
    if (this.ended) return;
    this.ended = true;
    const failed = 'error' in how;
    for (const socket of this.pipes) if (failed || socket !== this.stdoutPipe) socket.destroy();
    if (failed || !this.stdoutPipe) this.stdout.finish();
    if ('error' in how) this.emit('error', how.error);
    else {
      this.exitCode = how.code;
      this.signalCode = how.signal;
      this.emit('exit', how.code, how.signal);
    }
  }
}

interface Pending {
  resolve(result: SpawnResult): void;
  reject(err: Error): void;
}

/** Thrown for a request the spawner took but did not answer (it died meanwhile): the program may or may not have run. */
export class SpawnerGoneError extends Error {
  constructor(detail: string) {
    super(`the spawn helper ended before the program's answer (${detail})`);
    this.name = 'SpawnerGoneError';
  }
}

/** After the helper died this many times in a row without answering anything, programs are started directly. */
const MAX_FAILED_STARTS = 3;

export class Spawner {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly attached = new Map<number, AttachedProgram>();
  private nextId = 1;
  /** Deaths in a row with no answer between them. */
  private failedStarts = 0;
  private stopped = false;

  /** Starts the helper now (cheapest while the console is small); later requests restart it if it dies. */
  start(): void {
    if (this.child || this.stopped) return;
    const child = spawn(process.execPath, ['-e', SPAWNER_SOURCE], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    child.on('message', (reply: Reply, handle: unknown) => this.onReply(reply, handle));
    const gone = (why: string): void => {
      if (this.child !== child) return;
      this.child = null;
      if (!this.stopped) this.failedStarts++;
      const detail = `${why}${stderr.trim() ? `: ${stderr.trim().split('\n').pop() ?? ''}` : ''}`;
      for (const p of this.pending.values()) p.reject(new SpawnerGoneError(detail));
      this.pending.clear();
      this.endAttached(detail);
    };
    child.on('error', (err) => gone(`could not start: ${err.message}`));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    this.child = child;
    this.idle();
  }

  /** Whether requests go to the helper (false once it failed to stay up MAX_FAILED_STARTS times, or after stop). */
  get usable(): boolean {
    return !this.stopped && this.failedStarts < MAX_FAILED_STARTS;
  }

  /** The helper's pid (tests, measurements). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Runs a program in the helper. Rejects only when the helper itself is gone
   * (SpawnerGoneError). Aborting `signal` kills the program (SIGTERM, its pipes closed);
   * the answer still comes once it ended, with `killed: 'request'`.
   */
  run(request: SpawnRequest, signal?: AbortSignal): Promise<SpawnResult> {
    if (!this.child) this.start();
    const child = this.child;
    if (!child || this.stopped) return Promise.reject(new SpawnerGoneError('stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Sent after the request on the same channel, so the helper has started the program when it reads this.
      const abort = (): void => {
        if (this.pending.has(id) && this.child === child && child.connected) child.send({ kill: id, signal: 'SIGTERM' });
      };
      const settled = (): void => signal?.removeEventListener('abort', abort);
      const pending: Pending = {
        resolve: (result) => {
          settled();
          resolve(result);
        },
        reject: (err) => {
          settled();
          reject(err);
        },
      };
      this.pending.set(id, pending);
      // While a program runs, the helper keeps a CLI process alive until its answer.
      child.ref();
      (child.channel as { ref?(): void } | null | undefined)?.ref?.();
      child.send({ id, ...request }, (err) => {
        if (err && this.pending.delete(id)) pending.reject(new SpawnerGoneError(err.message));
      });
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /**
   * Starts a long-lived program in the helper (a control client) and hands its stdin
   * and stdout to this process. The program ends with the helper: started under
   * `setpriv --pdeathsig`, the kernel kills it; otherwise its input's end does.
   */
  attach(file: string, argv: readonly string[]): AttachedProgram {
    if (!this.child) this.start();
    const child = this.child;
    const id = this.nextId++;
    const program = new AttachedProgram((signal) => {
      if (this.child === child && child?.connected) child.send({ kill: id, signal });
    });
    if (!child || this.stopped) {
      queueMicrotask(() => program.end({ error: new SpawnerGoneError('stopped') }));
      return program;
    }
    this.attached.set(id, program);
    child.send({ id, attach: true, file, argv }, (err) => {
      if (err) {
        this.attached.delete(id);
        program.end({ error: new SpawnerGoneError(err.message) });
      }
    });
    return program;
  }

  /** Ends the helper; requests still out are rejected (their programs end at their time limit). */
  stop(): void {
    this.stopped = true;
    const child = this.child;
    if (child) {
      child.kill();
      for (const p of this.pending.values()) p.reject(new SpawnerGoneError('stopped'));
      this.pending.clear();
      this.endAttached('stopped');
      this.child = null;
    }
  }

  /** The helper is gone: so are the programs it started (their pipes are closed here). */
  private endAttached(detail: string): void {
    const all = [...this.attached.values()];
    this.attached.clear();
    for (const program of all) program.end({ error: new SpawnerGoneError(detail) });
  }

  private onReply(reply: Reply, handle: unknown): void {
    const program = this.attached.get(reply.id);
    if (program) {
      this.failedStarts = 0;
      if ('pipe' in reply) {
        if (reply.pipe === 'stdin') program.pid = reply.pid;
        if (handle) program.take(reply.pipe, handle as Socket);
      } else {
        this.attached.delete(reply.id);
        if ('error' in reply) program.end({ error: Object.assign(new Error(reply.error), { code: reply.errno ?? undefined }) });
        else if ('exit' in reply) program.end({ code: reply.code, signal: reply.signal });
      }
      return;
    }
    // A pipe of a program no longer known here (it ended, or the helper was stopped, while
    // the pipe was on its way): nobody would read or close it, and the program would keep
    // its input open for good.
    if (handle && typeof (handle as Partial<Socket>).destroy === 'function') (handle as Socket).destroy();
    if (!('stdout' in reply) && !('error' in reply)) return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    this.failedStarts = 0;
    if (this.pending.size === 0) this.idle();
    const { id: _id, ...result } = reply;
    pending.resolve(result);
  }

  /** With nothing asked, the helper does not keep the process alive. */
  private idle(): void {
    this.child?.unref();
    (this.child?.channel as { unref?(): void } | null | undefined)?.unref?.();
  }
}

let installed: Spawner | null = null;

/**
 * Programs started by runProgram go through this spawner until the returned function is
 * called (the core installs one at start and uninstalls it at stop; uninstalling a
 * spawner another core has since replaced leaves that one in place).
 */
export function installSpawner(spawner: Spawner): () => void {
  installed = spawner;
  return () => {
    if (installed === spawner) installed = null;
  };
}

/** The installed spawner, when it can take requests. */
export function activeSpawner(): Spawner | null {
  return installed?.usable ? installed : null;
}

/**
 * Runs a program to its end: by the installed spawn helper when there is one (the
 * console), else forked by this process (tests, the CLI, a console whose helper could
 * not stay up) under the helper's own rules, so every caller gets the same SpawnResult
 * either way. Rejects only when the helper itself is gone (SpawnerGoneError).
 */
export function runSpawned(request: SpawnRequest, signal?: AbortSignal): Promise<SpawnResult> {
  const spawner = activeSpawner();
  return spawner ? spawner.run(request, signal) : spawnHere(request, signal);
}

/**
 * What SPAWNER_SOURCE does with a request, in this process: stdout past maxBytes, the
 * time limit (killSignal) and an abort of `signal` end the program with its pipes
 * closed (a process it started that holds them cannot keep the answer waiting), and
 * the answer says why (killed); stderr is kept up to maxBytes characters.
 */
function spawnHere(m: SpawnRequest, signal?: AbortSignal): Promise<SpawnResult> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(m.file, [...m.argv], { cwd: m.cwd, stdio: [m.stdin === undefined ? 'ignore' : 'pipe', m.discardStdout ? 'ignore' : 'pipe', 'pipe'], env: m.env });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      resolve({ error: err.message, errno: err.code ?? null });
      return;
    }
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    let killed: KilledFor | null = null;
    const stop = (why: KilledFor, kill?: NodeJS.Signals): void => {
      if (killed) return;
      killed = why;
      child.kill(kill);
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const onAbort = (): void => stop('request', 'SIGTERM');
    const timer = setTimeout(() => stop('timeout', m.killSignal), m.timeoutMs);
    let done = false;
    const reply = (r: SpawnResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    child.stdout?.on('data', (d: Buffer) => {
      size += d.length;
      if (size > m.maxBytes) stop('output');
      else out.push(d);
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < m.maxBytes) err += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) => reply({ error: e.message, errno: e.code ?? null }));
    child.on('close', (code, sig) => reply({ code, signal: sig, stdout: Buffer.concat(out).toString('utf8'), stderr: err, killed }));
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a program that does not read its stdin
      child.stdin.end(m.stdin);
    }
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
