import { SESSION_ARGV_CHARS, type Session, type SessionDetail, type SessionState } from '../../shared/api.js';
import type { Pane } from '../tmux/discover.js';
import type { TmuxServer } from '../tmux/server.js';
import type { Identification } from './identify.js';
import type { SettleTimer } from './settle.js';
import type { HookSignal, ScreenReading } from './signals.js';
import type { SessionTransition } from './sink.js';

const NOT_AN_AGENT = new Set(['shell', 'other']);

/** What the monitor knows about one pane between scans. */
export class TrackedPane {
  /**
   * Bumped by every change to what its Session shows (the fields below are accessors
   * that compare first): a publish rebuilds only the sessions whose revision moved.
   */
  revision = 0;
  private _identification: Identification = { agent: 'other', pid: null, command: '', argv: [] };
  /** The agent this pane last ran: a pane back at its shell is that agent, exited. */
  private _agent = 'other';
  private _state: SessionState = 'unknown';
  private _reason: string | null = null;
  private _detail: SessionDetail | null = null;
  private _stateSince: string | null = null;
  private _lastOutputMs: number | null = null;
  /** The last line with text on the screen last read. */
  private _lastLine: string | null = null;
  private _pane: Pane;
  /** The error the operator cleared (`rule\tmessage`): while the screen shows that one, the pane reads idle. */
  clearedError: string | null = null;
  ruleId: string | null = null;
  /** Foreground process group when last identified; a change means a job started or ended. */
  foregroundGroup = -1;
  /** Which scan of every six identifies it afresh and re-reads its screen (monitor.ts FULL_REREAD_EVERY_SCANS). */
  rereadTurn = 0;
  /** The pane's processes when a scan last identified it (process-tree.ts treeKey). */
  treeKey: string | null = null;
  /** What the screen last showed (null until read, or after the agent changed). */
  screen: ScreenReading | null = null;
  /** When the last screen read started: output after it means the screen may have changed. */
  screenReadMs = 0;
  /** The agent's latest hook event, while it may still matter. */
  hook: HookSignal | null = null;
  /** Re-decides once the hook goes stale, so the screen takes over without waiting for a scan. */
  hookTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly server: TmuxServer,
    pane: Pane,
    readonly settle: SettleTimer,
  ) {
    this._pane = pane;
  }

  get pane(): Pane {
    return this._pane;
  }
  get identification(): Identification {
    return this._identification;
  }
  get agent(): string {
    return this._agent;
  }
  get state(): SessionState {
    return this._state;
  }
  get reason(): string | null {
    return this._reason;
  }
  get detail(): SessionDetail | null {
    return this._detail;
  }
  get stateSince(): string | null {
    return this._stateSince;
  }
  get lastOutputMs(): number | null {
    return this._lastOutputMs;
  }
  set lastOutputMs(ms: number | null) {
    if (ms === this._lastOutputMs) return;
    this._lastOutputMs = ms;
    this.revision++;
  }
  get lastLine(): string | null {
    return this._lastLine;
  }
  set lastLine(line: string | null) {
    if (line === this._lastLine) return;
    this._lastLine = line;
    this.revision++;
  }

  /**
   * The pane as the latest scan lists it. tmux reports an empty folder while it cannot
   * read the pane's foreground process (just after the pane starts, as a job starts or
   * ends): that means "not known right now", not a move, so the last known one stays.
   */
  update(pane: Pane): void {
    const next = pane.cwd === '' && this._pane.cwd !== '' ? { ...pane, cwd: this._pane.cwd } : pane;
    if (samePane(this._pane, next)) return;
    this._pane = next;
    this.revision++;
  }

  get id(): string {
    return `${this.server.name}:${this.pane.paneId}`;
  }

  /** An agent runs in the pane right now (its screen is worth reading). */
  get isAgent(): boolean {
    return !NOT_AN_AGENT.has(this.identification.agent);
  }

  identify(next: Identification, foregroundGroup: number): SessionTransition | null {
    this.foregroundGroup = foregroundGroup;
    const before = this._identification.agent;
    if (!sameIdentification(this._identification, next)) {
      this._identification = next;
      this.revision++;
    }
    if (before !== next.agent) this.forgetSignals();
    if (!NOT_AN_AGENT.has(next.agent)) {
      this.setAgent(next.agent);
      // A new agent starts unknown until its own prompt is seen: idle invites a dispatch.
      return before === next.agent ? null : this.setState('unknown', 'agent started', null);
    }
    if (!NOT_AN_AGENT.has(this.agent)) return this.setState('exited', `${this.agent} exited; ${next.command || 'no process'} in the foreground`, null);
    this.setAgent(next.agent);
    return this.setState('unknown', next.agent === 'shell' ? 'no agent running' : `not an agent: ${next.command}`, null);
  }

  /** A new screen reading; `sinceMs` moves only when the screen's state changed. */
  readScreen(result: Omit<ScreenReading, 'sinceMs'>, nowMs: number, readStartedMs = nowMs): void {
    this.screenReadMs = readStartedMs;
    const sinceMs = this.screen && this.screen.state === result.state ? this.screen.sinceMs : nowMs;
    this.screen = { ...result, sinceMs };
  }

  /** The pane printed since its screen was last read (or it was never read). */
  get screenMayHaveChanged(): boolean {
    return this.screen === null || (this.lastOutputMs !== null && this.lastOutputMs >= this.screenReadMs);
  }

  private setAgent(agent: string): void {
    if (agent === this._agent) return;
    this._agent = agent;
    this.revision++;
  }

  forgetSignals(): void {
    this.screen = null;
    this.hook = null;
    this.clearedError = null;
    if (this.hookTimer) clearTimeout(this.hookTimer);
    this.hookTimer = null;
  }

  /** Records the state; returns the transition when it changed. */
  setState(state: SessionState, reason: string | null, ruleId: string | null, detail: SessionDetail | null = null): SessionTransition | null {
    const from = this.state;
    const old = this.detail;
    // A limit's reset is read once: "resets 7:20pm" re-read after 7:20pm would mean tomorrow.
    if (detail && old && from === state && detail.kind === old.kind && detail.message === old.message && old.resetAt !== null) detail = { ...detail, resetAt: old.resetAt };
    if (reason !== this._reason || !sameDetail(old, detail)) {
      this._reason = reason;
      this._detail = detail;
      this.revision++;
    }
    this.ruleId = ruleId;
    if (from === state && this._stateSince !== null) return null;
    this._state = state;
    const at = new Date().toISOString();
    this._stateSince = at;
    this.revision++;
    if (from === state) return null;
    return { sessionId: this.id, name: sessionName(this.server, this.pane.session), agent: this.agent, from, to: state, reason, ruleId, at };
  }
}

function samePane(a: Pane, b: Pane): boolean {
  return a.session === b.session && a.sessionId === b.sessionId && a.windowIndex === b.windowIndex && a.paneIndex === b.paneIndex && a.paneId === b.paneId &&
    a.width === b.width && a.height === b.height && a.cwd === b.cwd && a.title === b.title && a.pid === b.pid && a.dead === b.dead && a.server === b.server;
}

function sameIdentification(a: Identification, b: Identification): boolean {
  return a.agent === b.agent && a.pid === b.pid && a.command === b.command && a.argv.length === b.argv.length && a.argv.every((x, i) => x === b.argv[i]);
}

function sameDetail(a: SessionDetail | null, b: SessionDetail | null): boolean {
  return a === b || (a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * The name routing rules, `tasks.assigned_to` and `excluded_sessions` use for a tmux
 * session: the session's own name on the first local server, `socket:session` on any
 * other local server, `HOST:session` (the default server) / `socket@HOST:session` (a
 * `-L socket` one) on a shared queue (namedServers), and `host:session` on a remote host (servers.yaml
 * `ssh_hosts`), whose `dev_worker1` is not the local `dev_worker1`. tmux turns `:` and
 * `.` in a session name into `_`, so a qualified name never equals a plain one.
 */
export function sessionName(server: TmuxServer, session: string): string {
  if (server.ssh) return `${server.name}:${session}`;
  return server.qualifier === undefined ? session : `${server.qualifier}:${session}`;
}

/**
 * The contract's Session objects; `name` is the session's name (sessionName), or
 * `name.window.pane` when a session holds several agents.
 */
export function toSessions(panes: TrackedPane[], excluded: ReadonlySet<string>): Session[] {
  return new SessionList().build(panes, excluded);
}

/** Tracked panes per tmux session that run an agent: several means each is named `name.window.pane`. */
function agentsPerSession(panes: readonly TrackedPane[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const p of panes) {
    if (NOT_AN_AGENT.has(p.agent)) continue;
    const k = countKey(p);
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  return count;
}

interface Built {
  pane: TrackedPane;
  revision: number;
  shared: boolean;
  excluded: boolean;
  /** What agentsPerSession counted the pane under, and whether it counted it. */
  key: string;
  agentish: boolean;
  session: Session;
}

/**
 * The session list, rebuilt only where a pane changed (its revision moved, or its
 * naming or exclusion did): an unchanged session is the same object as last time, so
 * what follows a publish (the store's rows, the held tasks, the deltas) can tell what
 * changed by identity (SessionChanges). With the same panes as last time, a build compares
 * each pane's revision and builds the moved ones, no names or counts (a pane's output
 * settling publishes, many times a second with agents printing); panes
 * come or gone, or one moved to another tmux session, count agents per session again.
 */
export class SessionList {
  private built = new Map<string, Built>();
  /** Session objects built so far (a test reads it: a change to one pane builds one). */
  builds = 0;
  /** The last build's input and output, for a build where the same panes come in the same order. */
  private last: { panes: readonly TrackedPane[]; revisions: number[]; excluded: ReadonlySet<string>; counts: Map<string, number>; sessions: Session[] } | null = null;

  build(panes: readonly TrackedPane[], excluded: ReadonlySet<string>): Session[] {
    return this.patch(panes, excluded) ?? this.full(panes, excluded);
  }

  /**
   * The same panes in the same order, none of them moved to another tmux session or
   * become an agent or stopped being one: names and counts stay, only the panes whose
   * revision moved are built (a refresh of one pane compares pointers and numbers, it
   * builds no names). Null when that does not hold.
   */
  private patch(panes: readonly TrackedPane[], excluded: ReadonlySet<string>): Session[] | null {
    const last = this.last;
    if (!last || last.excluded !== excluded || last.panes.length !== panes.length) return null;
    let moved: number[] | null = null;
    for (let i = 0; i < panes.length; i++) {
      const p = panes[i]!;
      if (p !== last.panes[i]) return null;
      if (p.revision !== last.revisions[i]) (moved ??= []).push(i);
    }
    if (moved === null) return last.sessions.slice();
    const sessions = last.sessions.slice();
    for (const i of moved) {
      const p = panes[i]!;
      const before = this.built.get(p.id);
      if (!before || before.key !== countKey(p) || before.agentish !== !NOT_AN_AGENT.has(p.agent)) return null;
    }
    for (const i of moved) {
      const p = panes[i]!;
      const b = this.entry(p, last.counts, excluded, null);
      this.built.set(p.id, b);
      sessions[i] = b.session;
      last.revisions[i] = p.revision;
    }
    last.sessions = sessions;
    return sessions.slice();
  }

  private full(panes: readonly TrackedPane[], excluded: ReadonlySet<string>): Session[] {
    const counts = agentsPerSession(panes);
    const sessions: Session[] = [];
    const next = new Map<string, Built>();
    for (const p of panes) {
      const b = this.entry(p, counts, excluded, this.built.get(p.id));
      next.set(b.session.id, b);
      sessions.push(b.session);
    }
    this.built = next;
    this.last = { panes, revisions: panes.map((p) => p.revision), excluded, counts, sessions };
    return sessions.slice();
  }

  /** The pane's session: `known` again when nothing it is built from changed, else built anew. */
  private entry(p: TrackedPane, counts: Map<string, number>, excluded: ReadonlySet<string>, known: Built | null | undefined): Built {
    const key = countKey(p);
    const shared = (counts.get(key) ?? 0) > 1 || NOT_AN_AGENT.has(p.agent);
    const base = sessionName(p.server, p.pane.session);
    const name = shared ? `${base}.${p.pane.windowIndex}.${p.pane.paneIndex}` : base;
    const isExcluded = excluded.has(name) || excluded.has(p.pane.session);
    if (known && known.pane === p && known.revision === p.revision && known.shared === shared && known.excluded === isExcluded) return known;
    this.builds++;
    return { pane: p, revision: p.revision, shared, excluded: isExcluded, key, agentish: !NOT_AN_AGENT.has(p.agent), session: toSession(p, name, isExcluded) };
  }
}

function countKey(p: TrackedPane): string {
  return `${p.server.name}:${p.pane.session}`;
}

/** Shortened command lines by the argv they came from (an identification keeps its argv while the process runs). */
const shortened = new WeakMap<readonly string[], { argv: string[]; argvLength: number }>();

/**
 * The command line a session carries: whole when it is at most `max` characters
 * (arguments joined by spaces), else its arguments up to there, the one that crosses
 * it cut and ending in `…`, with the whole line's length. 100 agents started with a
 * 400-word prompt made `sessions.list` 860 KB and every delta ~8.6 KB per session.
 */
export function shortArgv(argv: readonly string[], max = SESSION_ARGV_CHARS): { argv: string[]; argvLength: number } {
  const known = max === SESSION_ARGV_CHARS ? shortened.get(argv) : undefined;
  if (known) return known;
  let length = Math.max(0, argv.length - 1);
  for (const a of argv) length += a.length;
  let out: string[];
  if (length <= max) out = argv as string[];
  else {
    out = [];
    let used = 0; // out's length joined
    for (const a of argv) {
      const sep = out.length > 0 ? 1 : 0;
      const room = max - used - sep;
      if (a.length <= room) {
        out.push(a);
        used += sep + a.length;
        continue;
      }
      if (room > 0) {
        // Not half of a surrogate pair.
        const end = room - 1 > 0 && /[\uD800-\uDBFF]/u.test(a.charAt(room - 2)) ? room - 2 : room - 1;
        out.push(`${a.slice(0, end)}…`);
      }
      break;
    }
  }
  const r = { argv: out, argvLength: length };
  if (max === SESSION_ARGV_CHARS) shortened.set(argv, r);
  return r;
}

function toSession(p: TrackedPane, name: string, excluded: boolean): Session {
  const { pane } = p;
  return {
    id: p.id,
    name,
    server: p.server.name,
    session: pane.session,
    windowIndex: pane.windowIndex,
    paneIndex: pane.paneIndex,
    paneId: pane.paneId,
    title: pane.title,
    cwd: pane.cwd,
    pid: p.identification.pid ?? pane.pid,
    command: p.identification.command,
    ...shortArgv(p.identification.argv),
    agent: p.agent,
    state: p.state,
    reason: p.reason,
    detail: p.detail,
    width: pane.width,
    height: pane.height,
    stateSince: p.stateSince,
    lastOutputAt: p.lastOutputMs === null ? null : new Date(p.lastOutputMs).toISOString(),
    excluded,
    currentTaskId: null,
    lastLine: p.isAgent ? p.lastLine : null,
  };
}

/**
 * What a publish changed, by identity against the previous publish's list: sessions
 * new or rebuilt, and the ids of those gone. Pointer compares only; no field is read.
 */
export class SessionChanges {
  private last = new Map<string, Session>();

  next(sessions: readonly Session[]): { changed: Session[]; removed: string[] } {
    const changed: Session[] = [];
    let kept = 0;
    const now = new Map<string, Session>();
    for (const s of sessions) {
      now.set(s.id, s);
      const before = this.last.get(s.id);
      if (before === s) kept++;
      else {
        if (before) kept++;
        changed.push(s);
      }
    }
    const removed = kept === this.last.size ? [] : [...this.last.keys()].filter((id) => !now.has(id));
    this.last = now;
    return { changed, removed };
  }
}
