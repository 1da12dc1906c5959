// console_under_load (DESIGN.md "Performance budget"): the whole console at once.
// `architect serve` (a real process) on the 1M-task seed (`architect db seed --tasks
// 1000000 --sessions 50 --seed 7`, ~320k tasks open) watches 100 fake agents in a
// private tmux server (10 of them printing all the time) for 60 s, while a client adds
// tasks, flips agents between idle and working, reads stats_dashboard over the HTTP
// API and keeps the Overview open in Chromium. Then the same on a control database:
// the same 1M tasks with all but ~1 in 200 of the open ones closed.
//
// Figures: event-loop delay of the console (p99 and max, from inside the process by a
// probe loaded with NODE_OPTIONS, so the console's code is not involved), a pane's
// state change to the WebSocket client (p50/p99), stats_dashboard over the API
// (p50/p99), RSS (median and peak) and CPU of the console's process (its query
// readers reported apart). Beside them, what the machine allows: /healthz between the
// dashboard reads (the same HTTP round trip with nothing to do: its p99 is the floor
// under the dashboard's), how long the console's thread waited for a core, the
// browser's CPU and the whole machine's (the agents, tmux and the browser share its two
// cores). The seeded files are cached in ~/.cache/architect-bench, keyed by the seed's
// and the migrations' source, since seeding takes a while.
import { execFile, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { launchChromium } from '../test/support/chromium.js';
import { PrivateTmux } from '../test/support/tmux.js';
import { buildState } from '../scripts/build-state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const SCREENS = path.join(ROOT, 'test', 'fixtures', 'screens');
const PROBE = path.join(here, 'support', 'loop-probe.mjs');
const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'architect-bench');

const TASKS = 1_000_000;
const SEED_SESSIONS = 50;
const SEED = 7;
const AGENTS = 100;
const PRINTING = 10;
const WINDOW_MS = 60_000;
const QUICK_WINDOW_MS = 20_000;
/** A state change not seen by the client within this counts as this long. */
const CHANGE_LIMIT_MS = 10_000;
const STATE_FLIP_EVERY_MS = 1_500;
const TASK_ADD_EVERY_MS = 1_000;
const DASHBOARD_EVERY_MS = 250;
/** cpu_after_start_pct counts from this far into the window (WINDOW_MS; the quick run's is shorter). */
const STEADY_FROM_MS = 15_000;
/** A stats_dashboard request slower than this is described on stderr. */
const SLOW_DASHBOARD_MS = Number(process.env.ARCHITECT_BENCH_SLOW_DASHBOARD_MS ?? 1_000);
/** State changes printed with when they fell: over the budget unless ARCHITECT_BENCH_SLOW_CHANGE_MS says otherwise. */
const SLOW_CHANGE_MS = Number(process.env.ARCHITECT_BENCH_SLOW_CHANGE_MS ?? 300);
const CLK_TCK = 100;

interface Figures {
  [name: string]: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const execFileAsync = promisify(execFile);

/** What the dashboard reader measured: durations of the answered requests, failures, the slow ones (`at`: Date.now()). */
interface DashboardReads {
  ms: number[];
  /** When each answered request was sent (Date.now()), as `ms`. */
  at: number[];
  /** The console's own handling of each (Server-Timing `total`), as `ms`. */
  server: number[];
  /** /healthz between the reads (no token, no query: the HTTP round trip's floor on this machine now), and when each was sent. */
  floor: number[];
  floorAt: number[];
  failures: number;
  slow: Array<{ took: number; at: number; status: number; bytes: number; timing: string | null }>;
}

/**
 * Reads stats_dashboard over the HTTP API every DASHBOARD_EVERY_MS for `forMs`, from a
 * worker thread: a request's time is the console's answer, not the wait for this
 * process's own thread (busy with the WebSocket's events, the page and tmux).
 */
function measureDashboard(port: number, token: string, forMs: number): Promise<DashboardReads> {
  const code = `
    const { parentPort, workerData: w } = require('node:worker_threads');
    (async () => {
      const out = { ms: [], at: [], server: [], floor: [], floorAt: [], failures: 0, slow: [] };
      const pause = (ms) => new Promise((r) => setTimeout(r, ms));
      const end = performance.now() + w.forMs;
      // This thread's fetch loads and connects on its first call (~30 ms, all of it here):
      // once on /healthz first, which touches no query or cache of the console's.
      await fetch('http://127.0.0.1:' + w.port + '/healthz').then((r) => r.text()).catch(() => undefined);
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const res = await fetch('http://127.0.0.1:' + w.port + '/api/query/stats_dashboard', { headers: { authorization: 'Bearer ' + w.token } });
          const body = await res.text();
          const took = performance.now() - t0;
          const timing = res.headers.get('server-timing');
          if (res.ok) {
            out.ms.push(took);
            out.at.push(Date.now() - took);
            out.server.push(Number(/total;dur=([\\d.]+)/.exec(timing ?? '')?.[1] ?? NaN));
          } else out.failures++;
          if (took > w.slowMs) out.slow.push({ took, at: Date.now() - took, status: res.status, bytes: body.length, timing });
        } catch { out.failures++; }
        // Half-way to the next read, the floor: the same round trip with nothing to do in the console.
        await pause(w.everyMs / 2);
        const f0 = performance.now();
        try {
          const res = await fetch('http://127.0.0.1:' + w.port + '/healthz');
          await res.text();
          const took = performance.now() - f0;
          out.floor.push(took);
          out.floorAt.push(Date.now() - took);
        } catch {}
        await pause(w.everyMs / 2);
      }
      parentPort.postMessage(out);
    })();`;
  const worker = new Worker(code, { eval: true, workerData: { port, token, forMs, everyMs: DASHBOARD_EVERY_MS, slowMs: SLOW_DASHBOARD_MS } });
  return new Promise((resolve, reject) => {
    worker.once('message', (r: DashboardReads) => {
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** What the seeded file depends on: the seed and the schema. A change to either seeds afresh. */
function seedVersion(): string {
  const hash = crypto.createHash('sha256');
  const files = [
    path.join(ROOT, 'src/main/store/seed.ts'),
    path.join(ROOT, 'src/main/store/derived-counts.ts'),
    ...fs
      .readdirSync(path.join(ROOT, 'src/main/store/migrations'))
      .sort()
      .map((f) => path.join(ROOT, 'src/main/store/migrations', f)),
  ];
  for (const f of files) hash.update(f.slice(ROOT.length)).update(fs.readFileSync(f));
  return hash.digest('hex').slice(0, 12);
}

function checkpoint(file: string): void {
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = WAL');
  db.close();
}

/** The 1M seed, made once per seed version. */
function seededFile(): string {
  fs.mkdirSync(CACHE, { recursive: true, mode: 0o700 });
  const file = path.join(CACHE, `console-seed-${TASKS}-${SEED_SESSIONS}-${SEED}-${seedVersion()}.db`);
  if (fs.existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  process.stderr.write(`console bench: seeding ${TASKS} tasks into ${file} (once per seed version)…\n`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'architect.js'), 'db', 'seed', '--db', tmp, '--tasks', String(TASKS), '--sessions', String(SEED_SESSIONS), '--seed', String(SEED)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ARCHITECT_DATA_DIR: path.dirname(tmp) },
  });
  if (r.status !== 0) throw new Error(`architect db seed failed (${r.status ?? r.signal})`);
  checkpoint(tmp);
  fs.renameSync(tmp, file);
  for (const ext of ['-wal', '-shm']) fs.rmSync(tmp + ext, { force: true });
  return file;
}

/** The control: the same file with all but 1 in 200 of the open tasks completed (~1.6k open). */
function controlFile(seed: string): string {
  const file = seed.replace('console-seed-', 'console-control-');
  if (fs.existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.copyFileSync(seed, tmp);
  const db = new Database(tmp);
  db.exec(`UPDATE tasks SET status = 'completed', completed_at = coalesce(started_at, created_at), updated_at = coalesce(started_at, created_at),
             started_at = coalesce(started_at, created_at)
           WHERE status IN ('pending', 'assigned', 'in_progress', 'blocked') AND id % 200 <> 0`);
  db.close();
  checkpoint(tmp);
  fs.renameSync(tmp, file);
  for (const ext of ['-wal', '-shm']) fs.rmSync(tmp + ext, { force: true });
  return file;
}

/** Fake agents named like the real ones: codex steps through screens at each Enter; claude keeps printing. */
function writeAgents(bin: string): void {
  fs.mkdirSync(bin, { recursive: true });
  const replay = ['#!/bin/sh', 'stty -echo 2>/dev/null', 'for name in "$@"; do', "  printf '\\033[H\\033[2J'", `  cat "${SCREENS}/$name.txt"`, '  read _', 'done', ''].join('\n');
  fs.writeFileSync(path.join(bin, 'codex'), replay, { mode: 0o755 });
  const printer = [
    '#!/bin/bash',
    'stty -echo 2>/dev/null',
    `screen=$(cat "${SCREENS}/claude-2.1.197-working.txt")`,
    'i=0',
    "while :; do printf '\\033[H\\033[2J%s\\n  %d tokens\\n' \"$screen\" \"$i\"; i=$((i+1)); read -r -t 0.2 _; done",
    '',
  ].join('\n');
  fs.writeFileSync(path.join(bin, 'claude'), printer, { mode: 0o755 });
}

/** utime + stime of a process, in ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** How long the process's main thread has waited for a core so far (ms; /proc/PID/task/PID/schedstat's run delay). */
function runDelayMs(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/**
 * CPU of the browser showing the Overview so far (ms): every process under this one
 * whose name says Chromium (the browser, its renderer, GPU and utility processes).
 */
function browserCpuMs(): number {
  let total = 0;
  const walk = (pid: number): void => {
    try {
      if (/chrom|headless/i.test(fs.readFileSync(`/proc/${pid}/comm`, 'utf8'))) total += cpuMs(pid);
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        for (const child of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(' ').filter(Boolean)) walk(Number(child));
      }
    } catch {
      // gone meanwhile
    }
  };
  walk(process.pid);
  return total;
}

/** The whole machine's CPU time so far: busy and all (ms, summed over its cores), from /proc/stat. */
function machineCpuMs(): { busy: number; all: number } {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
    const all = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const busy = all - fields[3]! - fields[4]!;
    return { busy: (busy * 1000) / CLK_TCK, all: (all * 1000) / CLK_TCK };
  } catch {
    return { busy: NaN, all: NaN };
  }
}

/** CPU of a process's children: live ones plus those it has already waited for (cutime/cstime). */
function childrenCpuMs(pid: number): number {
  let total = 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) total += cpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

interface Rpc {
  call(method: string, params?: unknown): Promise<unknown>;
  onEvent(fn: (method: string, params: unknown, bytes: number) => void): void;
  close(): void;
}

/** A busy console may answer the upgrade late (408): tried again for up to two minutes. */
async function connect(port: number, token: string): Promise<Rpc> {
  const started = performance.now();
  for (;;) {
    try {
      return await connectOnce(port, token);
    } catch (err) {
      if (performance.now() - started > 120_000) throw err;
      await sleep(500);
    }
  }
}

async function connectOnce(port: number, token: string): Promise<Rpc> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { 'x-architect-token': token }, maxPayload: 1024 * 1024 * 1024 });
  ws.on('error', () => undefined); // reported through open's promise or the calls
  await new Promise((resolve, reject) => {
    ws.once('open', resolve).once('error', reject);
    // A refused upgrade (a 408 from a console too busy to read the request in time) is
    // answered here, so ws never raises it as an error of its own.
    ws.once('unexpected-response', (req, res) => {
      reject(new Error(`the console answered the WebSocket upgrade with HTTP ${res.statusCode ?? '?'}`));
      req.destroy();
    });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners: Array<(method: string, params: unknown, bytes: number) => void> = [];
  ws.on('message', (data) => {
    const text = String(data);
    const msg = JSON.parse(text) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string } };
    if (msg.method) {
      for (const l of listeners) l(msg.method, msg.params, text.length);
    } else if (typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result);
    }
  });
  // A console that exits (or drops the socket) fails the calls waiting on it: the bench ends instead of waiting forever.
  ws.on('close', () => {
    for (const p of pending.values()) p.reject(new Error('the console closed the connection'));
    pending.clear();
  });
  return {
    call(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      });
    },
    onEvent: (fn) => void listeners.push(fn),
    close: () => ws.close(),
  };
}

async function underLoad(dbFile: string, windowMs: number): Promise<Figures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-console-'));
  const dataDir = path.join(dir, 'data');
  const configDir = path.join(dir, 'config');
  const bin = path.join(dir, 'bin');
  const probeOut = path.join(dir, 'loop.json');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  fs.copyFileSync(dbFile, path.join(dataDir, 'architect.db'));
  fs.cpSync(path.join(ROOT, 'config'), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
  writeAgents(bin);
  // Named bench-console-*: a run killed mid-way leaves this server; `ps -eo pid,args | grep bench-console-` finds it.
  const tmux = new PrivateTmux(`bench-console-${crypto.randomBytes(3).toString('hex')}`);
  let serve: ReturnType<typeof spawn> | null = null;
  let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
  let rpc: Rpc | null = null;
  let stopping = false;
  try {
    // 90 quiet agents (codex, idle ↔ working at each Enter) and 10 printing (claude).
    const flips = Array.from({ length: 400 }, (_, k) => (k % 2 ? 'codex-0.169.0-working' : 'codex-0.169.0-idle'));
    const quiet: string[] = [];
    const env = `PATH=${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    for (let i = 0; i < AGENTS; i++) {
      const printing = i < PRINTING;
      const argv = printing ? ['claude'] : ['codex', ...flips];
      const pane = tmux.run('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', `agent${i}`, '-x', '160', '-y', '45', 'env', env, ...argv).trim();
      if (!printing) quiet.push(pane);
    }

    const token = crypto.randomBytes(24).toString('base64url');
    serve = spawn(
      process.execPath,
      // ARCHITECT_BENCH_NODE_ARGS: node's own flags for the console (e.g. `--cpu-prof --cpu-prof-dir DIR`).
      [...(process.env.ARCHITECT_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), path.join(ROOT, 'bin', 'architect.js'), 'serve', '--port', '0', '--config', configDir, '--db', path.join(dataDir, 'architect.db'), '--no-default-tmux', '--tmux-socket', tmux.socket],
      {
        env: {
          ...process.env,
          ARCHITECT_DATA_DIR: dataDir,
          ARCHITECT_TOKEN: token,
          ARCHITECT_LOOP_PROBE: probeOut,
          ARCHITECT_LOOP_PROBE_AFTER_MS: String(STEADY_FROM_MS),
          // ARCHITECT_BENCH_STALLS_MS: print each event-loop stall of at least this many ms, with when it fell.
          ...(process.env.ARCHITECT_BENCH_STALLS_MS ? { ARCHITECT_LOOP_PROBE_STALLS_MS: process.env.ARCHITECT_BENCH_STALLS_MS } : {}),
          NODE_OPTIONS: `--import ${PROBE}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    serve.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    // With ARCHITECT_BENCH_KEEP_LOGS its output is kept too (with NODE_ARGS --trace-gc: each GC, timed).
    if (process.env.ARCHITECT_BENCH_KEEP_LOGS) {
      fs.mkdirSync(process.env.ARCHITECT_BENCH_KEEP_LOGS, { recursive: true });
      serve.stdout?.pipe(fs.createWriteStream(path.join(process.env.ARCHITECT_BENCH_KEEP_LOGS, `stdout-${Date.now()}.txt`)));
    }
    serve.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    serve.once('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`console bench: serve exited (${code ?? signal}) before the bench stopped it; its stderr ends:\n${stderr}\n`);
    });
    const startedAt = performance.now();
    let loginUrl = '';
    while (!loginUrl) {
      if (serve.exitCode !== null) throw new Error(`serve exited before it listened: ${stderr}`);
      if (performance.now() - startedAt > 180_000) throw new Error('serve did not listen within 180 s');
      loginUrl = /Architect web console: (\S+)/.exec(stdout)?.[1] ?? '';
      await sleep(50);
    }
    const listenMs = performance.now() - startedAt;
    const port = Number(new URL(loginUrl).port);
    // A console still busy starting may answer an upgrade with 408: first wait until it answers plain HTTP.
    for (const t0 = performance.now(); ; ) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
      if (ok) break;
      if (performance.now() - t0 > 180_000) throw new Error('the console did not answer /healthz within 180 s');
      await sleep(250);
    }
    process.stderr.write(`console bench: console up after ${Math.round(performance.now() - startedAt)} ms\n`);
    rpc = await connect(port, token);
    const client = rpc;
    // Like a page, the client asks only for what it uses (a console without
    // subscriptions refuses the command and pushes it everything).
    await client.call('events.subscribe', { events: ['sessions.transition', 'tasks.changed'] }).catch(() => undefined);

    // Every agent seen by the console (identified as its provider) before the window opens.
    const seenAt = performance.now();
    for (;;) {
      const { sessions } = (await client.call('sessions.list')) as { sessions: Array<{ id: string; provider: string | null }> };
      if (sessions.filter((s) => s.id.startsWith(`${tmux.socket}:`) || quiet.some((p) => s.id.endsWith(`:${p}`))).length >= AGENTS) break;
      if (performance.now() - seenAt > 120_000) throw new Error(`the console saw only ${sessions.length} sessions after 120 s`);
      await sleep(250);
    }

    // Client-side records.
    const transitions = new Map<string, number[]>();
    let eventBytes = 0;
    const bytesByEvent: Record<string, number> = {};
    const countByEvent: Record<string, number> = {};
    client.onEvent((method, params, bytes) => {
      eventBytes += bytes;
      bytesByEvent[method] = (bytesByEvent[method] ?? 0) + bytes;
      countByEvent[method] = (countByEvent[method] ?? 0) + 1;
      if (method === 'sessions.transition') {
        const id = (params as { sessionId: string }).sessionId;
        const list = transitions.get(id) ?? [];
        list.push(performance.now());
        transitions.set(id, list);
      }
    });

    // The Overview, open in a real browser for the whole window (opened as the window
    // starts: how long it takes to draw is a figure, not a precondition).
    browser = await launchChromium();
    const page = await browser.browser.newPage();

    const pid = serve.pid!;
    process.kill(pid, 'SIGUSR2'); // the probe starts afresh: start-up is not in the window
    await sleep(100);
    const cpu0 = cpuMs(pid);
    const childCpu0 = childrenCpuMs(pid);
    const machine0 = machineCpuMs();
    const waited0 = runDelayMs(pid);
    const browser0 = browserCpuMs();
    const wall0 = performance.now();
    const wallEpoch0 = Date.now();
    const end = wall0 + windowMs;
    const rss: number[] = [];
    const changeMs: number[] = [];
    const dashboardMs: number[] = [];
    // The same from STEADY_FROM_MS into the window (after the start's one-off work), reported beside.
    const dashboardAfterMs: number[] = [];
    const changeAfterMs: number[] = [];
    /** The console's handling of each dashboard read (its Server-Timing), and the HTTP round trip's floor (/healthz). */
    const dashboardServerMs: number[] = [];
    const floorMs: number[] = [];
    const floorAfterMs: number[] = [];
    let dashboardFailures = 0;
    let tasksAdded = 0;
    let taskAddFailures = 0;

    let overviewMs = NaN;
    let overviewNumbersMs = NaN;
    // What the opening waited for (on stderr): each HTTP request of the page and each
    // request over its WebSocket, sent → answered, in ms after the window opened.
    const trace: string[] = [];
    const at = (): number => Math.round(performance.now() - wall0);
    const requested = new Map<object, number>();
    page.on('request', (r) => requested.set(r, at()));
    page.on('requestfinished', (r) => trace.push(`GET ${new URL(r.url()).pathname} ${requested.get(r) ?? '?'}→${at()}`));
    page.on('websocket', (ws) => {
      trace.push(`ws opened ${at()}`);
      const rpcs = new Map<number, { method: string; sent: number }>();
      ws.on('framesent', (f) => {
        const m = typeof f.payload === 'string' ? (JSON.parse(f.payload) as { id?: number; method?: string; params?: { name?: string } }) : null;
        if (m?.id !== undefined) rpcs.set(m.id, { method: `${m.method}${m.params?.name ? ` ${m.params.name}` : ''}`, sent: at() });
      });
      ws.on('framereceived', (f) => {
        const text = typeof f.payload === 'string' ? f.payload : '';
        const id = /^\{"jsonrpc":"2\.0","id":(\d+)/.exec(text)?.[1];
        const r = id === undefined ? undefined : rpcs.get(Number(id));
        if (r) {
          rpcs.delete(Number(id));
          trace.push(`${r.method} ${r.sent}→${at()} (${text.length} B)`);
        }
      });
    });
    // In the page: when each part was drawn, and the page's own long tasks (the
    // browser shares the machine; what the bench process sees of the page comes later).
    // (A string: tsx names the functions it compiles, with a helper the page lacks.)
    await page.addInitScript(`(() => {
      const marks = { longTasksMs: 0, longestTaskMs: 0 };
      window.__overview = marks;
      const parts = {
        drawn: '[data-testid="panels"] > section',
        total: '[data-testid="task-total"]',
        stats: '[data-testid="stat-pending_tasks"] .stat-value',
        sla: '[data-testid="chart-sla"] title',
      };
      const check = () => {
        for (const [k, sel] of Object.entries(parts)) if (!(k in marks) && document.querySelector(sel)) marks[k] = performance.now();
      };
      new MutationObserver(check).observe(document, { subtree: true, childList: true });
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.startTime > (marks.sla ?? Infinity)) continue;
            marks.longTasksMs += e.duration;
            marks.longestTaskMs = Math.max(marks.longestTaskMs, e.duration);
          }
        }).observe({ type: 'longtask', buffered: true });
      } catch {}
    })()`);
    const overview = (async () => {
      try {
        await page.goto(loginUrl, { waitUntil: 'commit', timeout: windowMs });
        trace.push(`committed ${at()}`);
        await page.waitForSelector('[data-testid="panels"] > section', { timeout: Math.max(1, end - performance.now()) });
        overviewMs = performance.now() - wall0;
        trace.push(`panels drawn ${at()}`);
        // The numbers: the queue's total, the stats tiles, the SLA chart.
        await Promise.all(
          ['[data-testid="task-total"]', '[data-testid="stat-pending_tasks"] .stat-value', '[data-testid="chart-sla"] title'].map((sel) =>
            page.waitForSelector(sel, { state: 'attached', timeout: Math.max(1, end - performance.now()) }).then(() => trace.push(`${sel} ${at()}`)),
          ),
        );
        overviewNumbersMs = performance.now() - wall0;
        const nav = await page.evaluate(() => {
          const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
          const marks = (window as unknown as { __overview: Record<string, number> }).__overview;
          const assets = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
            .filter((r) => r.name.includes('/assets/'))
            .map((r) => ({ name: new URL(r.name).pathname, start: r.startTime, end: r.responseEnd, bytes: r.transferSize }));
          return { origin: performance.timeOrigin, responseEnd: n?.responseEnd ?? -1, dcl: n?.domContentLoadedEventEnd ?? -1, marks, assets };
        });
        const t0 = nav.origin - (performance.timeOrigin + wall0);
        const { longTasksMs, longestTaskMs, ...drawnAt } = nav.marks;
        trace.push(`navigation: started ${Math.round(t0)}, document ${Math.round(t0 + nav.responseEnd)}, DOMContentLoaded ${Math.round(t0 + nav.dcl)}`);
        trace.push(`assets (page clock): ${nav.assets.map((a) => `${a.name} ${Math.round(t0 + a.start)}→${Math.round(t0 + a.end)} (${a.bytes} B)`).join(', ')}`);
        trace.push(`in the page: ${Object.entries(drawnAt).map(([k, v]) => `${k} ${Math.round(t0 + v)}`).join(', ')}; long tasks until the SLA chart ${Math.round(longTasksMs ?? 0)} ms (longest ${Math.round(longestTaskMs ?? 0)} ms)`);
        trace.push(`seen by the bench: drawn ${Math.round(overviewMs)}, numbers ${Math.round(overviewNumbersMs)}`);
        // The figures by the page's own clock: what the bench's process saw of the page
        // came 0.1-1.5 s later under load (its own event loop, the CDP messages).
        if (drawnAt.drawn !== undefined) overviewMs = t0 + drawnAt.drawn;
        if (drawnAt.total !== undefined && drawnAt.stats !== undefined && drawnAt.sla !== undefined) overviewNumbersMs = t0 + Math.max(drawnAt.total, drawnAt.stats, drawnAt.sla);
      } catch (err) {
        // not drawn within the window: NaN, and why
        process.stderr.write(`console bench: the Overview was not drawn in the window (a checkout without out/renderer serves no page: npm run build): ${err instanceof Error ? err.message.split("\n")[0] : String(err)}\n`);
      }
      process.stderr.write(`console bench: the Overview's opening (ms into the window): ${trace.join(', ')}\n`);
    })();
    // The CPU after the start's one-off work (on the seed: ~45k timed-out tasks given back
    // in the first ~8 s), from STEADY_FROM_MS into the window: reported beside the whole
    // window's, which is the figure the budget checks.
    let steady: { cpu: number; at: number; waited: number; browser: number } | null = null;
    const sampler = (async () => {
      while (performance.now() < end) {
        rss.push(rssMb(pid));
        if (!steady && performance.now() - wall0 >= STEADY_FROM_MS) steady = { cpu: cpuMs(pid), at: performance.now(), waited: runDelayMs(pid), browser: browserCpuMs() };
        await sleep(1_000);
      }
    })();
    const adder = (async () => {
      for (let i = 0; performance.now() < end; i++) {
        try {
          await client.call('tasks.create', { type: 'bug_fix', title: `bench task ${i}`, prompt: `bench prompt ${i}`, priority: i % 11 });
          tasksAdded++;
        } catch {
          taskAddFailures++;
        }
        await sleep(TASK_ADD_EVERY_MS);
      }
    })();
    // In a worker thread with its own event loop: the bench's main thread handles the
    // WebSocket's events and the page, and time it spends there is not the console's.
    const dashboard = measureDashboard(port, token, end - performance.now()).then((r) => {
      dashboardMs.push(...r.ms);
      r.ms.forEach((ms, i) => {
        if (r.at[i]! - wallEpoch0 >= STEADY_FROM_MS) dashboardAfterMs.push(ms);
      });
      dashboardFailures += r.failures;
      dashboardServerMs.push(...r.server.filter((ms) => !Number.isNaN(ms)));
      floorMs.push(...r.floor);
      r.floor.forEach((ms, i) => {
        if (r.floorAt[i]! - wallEpoch0 >= STEADY_FROM_MS) floorAfterMs.push(ms);
      });
      for (const slow of r.slow) process.stderr.write(`console bench: stats_dashboard took ${Math.round(slow.took)} ms at ${Math.round(slow.at - wallEpoch0)} ms into the window (HTTP ${slow.status}, ${slow.bytes} bytes; the console's Server-Timing: ${slow.timing ?? 'none'})\n`);
    });
    const flipper = (async () => {
      for (let i = 0; performance.now() < end - CHANGE_LIMIT_MS / 2; i++) {
        const pane = quiet[i % quiet.length]!;
        const id = [...transitions.keys()].find((k) => k.endsWith(`:${pane}`)) ?? `${tmux.socket}:${pane}`;
        const before = transitions.get(id)?.length ?? 0;
        const t0 = performance.now();
        // Not execFileSync (tmux.run): the bench's thread, which sees the change arrive, stays free.
        await execFileAsync('tmux', ['-u', '-L', tmux.socket, 'send-keys', '-t', pane, 'Enter']);
        for (;;) {
          const seen = [...transitions.entries()].find(([k, v]) => k.endsWith(`:${pane}`) && v.length > (k === id ? before : 0) && v[v.length - 1]! > t0);
          if (seen) {
            const took = seen[1][seen[1].length - 1]! - t0;
            changeMs.push(took);
            if (t0 - wall0 >= STEADY_FROM_MS) changeAfterMs.push(took);
            if (took >= SLOW_CHANGE_MS) process.stderr.write(`console bench: a state change took ${Math.round(took)} ms, pressed ${Math.round(t0 - wall0)} ms into the window (${pane})\n`);
            break;
          }
          if (performance.now() - t0 > CHANGE_LIMIT_MS) {
            // Not seen at all: said with when and where, like the slow ones (the console's
            // dispatch types into these panes too; two Enters within a settle window are no change).
            // What the pane shows now, and what the console says of it: a screen that flipped
            // with the console still on the old state would be a lost change; a screen as it was,
            // a press that changed nothing.
            const screen = await execFileAsync('tmux', ['-u', '-L', tmux.socket, 'capture-pane', '-p', '-t', pane]).then((r) => r.stdout.trim().split('\n').slice(-3).join(' / ').slice(0, 300)).catch(() => '?');
            const listed = (await client.call('sessions.list').catch(() => ({ sessions: [] }))) as { sessions: Array<{ id: string; state: string; stateSince: string | null }> };
            const said = listed.sessions.find((x) => x.id.endsWith(`:${pane}`));
            process.stderr.write(`console bench: a state change was not seen within ${CHANGE_LIMIT_MS} ms, pressed ${Math.round(t0 - wall0)} ms into the window (${pane}; the console says ${said?.state ?? '?'} since ${said?.stateSince ?? '?'}; the screen ends: ${screen})\n`);
            changeMs.push(CHANGE_LIMIT_MS);
            if (t0 - wall0 >= STEADY_FROM_MS) changeAfterMs.push(CHANGE_LIMIT_MS);
            break;
          }
          await sleep(5);
        }
        await sleep(STATE_FLIP_EVERY_MS);
      }
    })();
    // ARCHITECT_BENCH_PAGE_PROFILE=FILE: the Overview page's own CPU profile (Chrome DevTools
    // format), from STEADY_FROM_MS into the window to its end: what the browser's share of
    // the machine goes to.
    const pageProfile = process.env.ARCHITECT_BENCH_PAGE_PROFILE
      ? (async () => {
          await sleep(Math.max(0, wall0 + STEADY_FROM_MS - performance.now()));
          const cdp = await page.context().newCDPSession(page);
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
          await cdp.send('Profiler.start');
          await sleep(Math.max(0, end - performance.now() - 1_000));
          const { profile } = await cdp.send('Profiler.stop');
          fs.writeFileSync(process.env.ARCHITECT_BENCH_PAGE_PROFILE!, JSON.stringify(profile));
        })().catch((err: unknown) => process.stderr.write(`console bench: no page profile: ${err instanceof Error ? err.message : String(err)}\n`))
      : Promise.resolve();
    await Promise.all([sampler, adder, dashboard, flipper, overview, pageProfile]);
    // The console's own account of its named queries (wall time, the wait for a reader included).
    const { queries } = (await client.call('query.list').catch(() => ({ queries: [] }))) as { queries: Array<{ name: string; stats: { calls: number; cacheHits: number; avgMs: number; maxMs: number; lastError: string | null } }> };
    for (const q of queries.filter((x) => x.stats.calls > 0)) process.stderr.write(`console bench: query ${q.name}: ${JSON.stringify(q.stats)}\n`);
    const wall = performance.now() - wall0;
    const cpuEnd = cpuMs(pid);
    const cpu = cpuEnd - cpu0;
    const steadyAt = steady as { cpu: number; at: number; waited: number; browser: number } | null;
    const waited = runDelayMs(pid);
    const browserEnd = browserCpuMs();
    const steadyPct = steadyAt ? round(((cpuEnd - steadyAt.cpu) / (performance.now() - steadyAt.at)) * 100, 1) : NaN;
    const childCpu = childrenCpuMs(pid) - childCpu0;
    const machine1 = machineCpuMs();
    fs.rmSync(probeOut, { force: true });
    process.kill(pid, 'SIGUSR2');
    const loop = await (async () => {
      const t0 = performance.now();
      while (!fs.existsSync(probeOut) && performance.now() - t0 < 30_000) await sleep(50);
      await sleep(50);
      return JSON.parse(fs.readFileSync(probeOut, 'utf8')) as {
        p50: number;
        p99: number;
        max: number;
        count: number;
        mem: Record<string, number> | null;
        stalls?: Array<{ at: number; ms: number }>;
        after: { p99: number; max: number; count: number } | null;
      };
    })();
    for (const s of loop.stalls ?? []) process.stderr.write(`console bench: event loop stalled ${s.ms} ms, ending ${s.at - wallEpoch0} ms into the window (${new Date(s.at).toISOString()})\n`);
    // What a client (the Overview too) is sent: each event's count and size over the window.
    process.stderr.write(`console bench: events to a client: ${Object.entries(countByEvent).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}× ${Math.round((bytesByEvent[m] ?? 0) / 1024)} KB`).join(', ')}\n`);
    // Where the console's memory was at its RSS peak in the window (MB; threads a count).
    process.stderr.write(`console bench: memory at the RSS peak: ${JSON.stringify(loop.mem)}\n`);
    return {
      listen_ms: Math.round(listenMs),
      overview_drawn_ms: Math.round(overviewMs),
      overview_numbers_ms: Math.round(overviewNumbersMs),
      stall_p99_ms: loop.p99,
      stall_max_ms: loop.max,
      state_change_p50_ms: round(percentile(changeMs, 50)),
      state_change_p99_ms: round(percentile(changeMs, 99)),
      state_changes: changeMs.length,
      state_changes_missed: changeMs.filter((m) => m >= CHANGE_LIMIT_MS).length,
      stats_dashboard_p50_ms: round(percentile(dashboardMs, 50)),
      stats_dashboard_p99_ms: round(percentile(dashboardMs, 99)),
      stats_dashboard_failures: dashboardFailures,
      rss_median_mb: Math.round(percentile(rss, 50)),
      rss_max_mb: Math.round(Math.max(...rss)),
      cpu_pct: round((cpu / wall) * 100, 1),
      cpu_after_start_pct: steadyPct,
      // From STEADY_FROM_MS into the window on, beside the budgeted whole-window figures.
      stall_p99_after_start_ms: loop.after?.p99 ?? NaN,
      stall_max_after_start_ms: loop.after?.max ?? NaN,
      state_change_p99_after_start_ms: round(percentile(changeAfterMs, 99)),
      stats_dashboard_p99_after_start_ms: round(percentile(dashboardAfterMs, 99)),
      readers_cpu_pct: round((childCpu / wall) * 100, 1),
      // What the dashboard's p99 is made of: the console's own handling of a read, and the
      // same machine's HTTP round trip with nothing to do (/healthz, between the reads),
      // while everything in the bench (tmux, the agents, the browser) shares its cores.
      stats_dashboard_in_console_p99_ms: round(percentile(dashboardServerMs, 99)),
      healthz_p50_ms: round(percentile(floorMs, 50)),
      healthz_p99_ms: round(percentile(floorMs, 99)),
      healthz_p99_after_start_ms: round(percentile(floorAfterMs, 99)),
      // The console's main thread ready to run but waiting for a core (the other processes' turn), in the window and after the start.
      console_waited_for_cpu_ms: Math.round(waited - waited0),
      console_waited_for_cpu_after_start_ms: steadyAt ? Math.round(waited - steadyAt.waited) : NaN,
      // The browser with the Overview open (all its processes), in the window and after the start: it shares the console's cores.
      browser_cpu_pct: round(((browserEnd - browser0) / wall) * 100, 1),
      browser_cpu_after_start_pct: steadyAt ? round(((browserEnd - steadyAt.browser) / (performance.now() - steadyAt.at)) * 100, 1) : NaN,
      machine_cpu_pct: round(((machine1.busy - machine0.busy) / (machine1.all - machine0.all)) * 100, 1),
      tasks_added: tasksAdded - taskAddFailures,
      client_event_kb: Math.round(eventBytes / 1024),
      client_sessions_changed_kb: Math.round((bytesByEvent['sessions.changed'] ?? 0) / 1024),
    };
  } finally {
    rpc?.close();
    await browser?.close().catch(() => undefined);
    stopping = true;
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve!.once('exit', r));
      serve.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
      if (serve.exitCode === null) serve.kill('SIGKILL');
    }
    tmux.kill();
    // ARCHITECT_BENCH_KEEP_LOGS=DIR keeps the console's log (the watchdog's stall lines) there.
    const keep = process.env.ARCHITECT_BENCH_KEEP_LOGS;
    if (keep) {
      fs.mkdirSync(keep, { recursive: true });
      const log = path.join(dataDir, 'logs', 'architect.jsonl');
      if (fs.existsSync(log)) fs.copyFileSync(log, path.join(keep, `console-${path.basename(dbFile, '.db')}-${Date.now()}.jsonl`));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(opts: { quick?: boolean } = {}): Promise<Figures> {
  // A client socket refused by a console too busy to answer (408) must not end the bench.
  process.on('uncaughtException', (err) => process.stderr.write(`console bench: ${err.stack ?? err.message}\n`));
  // `architect serve` runs the build, unless a source changed after it: then it runs the
  // sources through tsx, which starts ~0.5 s slower and holds ~40 MB more (measured), and
  // every figure is of that, not of what a user runs.
  const build = buildState(ROOT);
  if (build !== 'fresh') {
    process.stderr.write(`console bench: WARNING: the build is ${build} (a file under src/ changed after \`npm run build\`): the console runs from its sources through tsx, so these figures are not the product's. Run \`npm run build\` first.\n`);
  }
  const seed = seededFile();
  const control = controlFile(seed);
  const windowMs = opts.quick ? QUICK_WINDOW_MS : WINDOW_MS;
  const out: Figures = {};
  const only = process.env.ARCHITECT_BENCH_CONSOLE; // 'seed' or 'control' to run one of them
  for (const [name, file, prefix] of [['seed', seed, 'console_under_load_'], ['control', control, 'console_under_load_control_']] as const) {
    if (only && only !== name) continue;
    const figures = await underLoad(file, windowMs);
    // On stderr as well: a long run's figures survive whatever happens after it.
    process.stderr.write(`console_under_load (${name}): ${JSON.stringify(figures)}\n`);
    for (const [k, v] of Object.entries(figures)) out[prefix + k] = v;
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  run({ quick: process.argv.includes('--quick') }).then((r) => console.log(JSON.stringify(r, null, 2)));
}
