import type { Session, SessionDetail, SessionState } from '../../shared/api.js';
import type { Pane } from '../tmux/discover.js';
import type { TmuxServer } from '../tmux/server.js';
import type { Identification } from './identify.js';
import type { SettleTimer } from './settle.js';
import type { HookSignal, ScreenReading } from './signals.js';
import type { SessionTransition } from './sink.js';

const NOT_AN_AGENT = new Set(['shell', 'other']);

/** What the monitor knows about one pane between scans. */
export class TrackedPane {
  identification: Identification = { agent: 'other', pid: null, command: '', argv: [] };
  /** The agent this pane last ran: a pane back at its shell is that agent, exited. */
  agent = 'other';
  state: SessionState = 'unknown';
  reason: string | null = null;
  detail: SessionDetail | null = null;
  /** The error the operator cleared (`rule\tmessage`): while the screen shows that one, the pane reads idle. */
  clearedError: string | null = null;
  ruleId: string | null = null;
  stateSince: string | null = null;
  lastOutputMs: number | null = null;
  /** The last line with text on the screen last read. */
  lastLine: string | null = null;
  /** Foreground process group when last identified; a change means a job started or ended. */
  foregroundGroup = -1;
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
    public pane: Pane,
    readonly settle: SettleTimer,
  ) {}

  /**
   * The pane as the latest scan lists it. tmux reports an empty folder while it cannot
   * read the pane's foreground process (just after the pane starts, as a job starts or
   * ends): that means "not known right now", not a move, so the last known one stays.
   */
  update(pane: Pane): void {
    this.pane = pane.cwd === '' && this.pane.cwd !== '' ? { ...pane, cwd: this.pane.cwd } : pane;
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
    const before = this.identification.agent;
    this.identification = next;
    if (before !== next.agent) this.forgetSignals();
    if (!NOT_AN_AGENT.has(next.agent)) {
      this.agent = next.agent;
      // A new agent starts unknown until its own prompt is seen: idle invites a dispatch.
      return before === next.agent ? null : this.setState('unknown', 'agent started', null);
    }
    if (!NOT_AN_AGENT.has(this.agent)) return this.setState('exited', `${this.agent} exited; ${next.command || 'no process'} in the foreground`, null);
    this.agent = next.agent;
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
    this.reason = reason;
    this.detail = detail;
    this.ruleId = ruleId;
    if (from === state && this.stateSince !== null) return null;
    this.state = state;
    const at = new Date().toISOString();
    this.stateSince = at;
    if (from === state) return null;
    return { sessionId: this.id, name: sessionName(this.server, this.pane.session), agent: this.agent, from, to: state, reason, ruleId, at };
  }
}

/**
 * The name routing rules, `tasks.assigned_to` and `excluded_sessions` use for a tmux
 * session: the session's own name on the first local server, `socket:session` on any
 * other local server (namedServers), and `host:session` on a remote host (servers.yaml
 * `ssh_hosts`), whose `dev_worker1` is not the local `dev_worker1`. tmux turns `:` and
 * `.` in a session name into `_`, so a qualified name never equals a plain one.
 */
export function sessionName(server: TmuxServer, session: string): string {
  return server.ssh || server.qualified ? `${server.name}:${session}` : session;
}

/**
 * The contract's Session objects; `name` is the session's name (sessionName), or
 * `name.window.pane` when a session holds several agents.
 */
export function toSessions(panes: TrackedPane[], excluded: ReadonlySet<string>): Session[] {
  const agentsPerSession = new Map<string, number>();
  for (const p of panes) {
    if (NOT_AN_AGENT.has(p.agent)) continue;
    const k = `${p.server.name}:${p.pane.session}`;
    agentsPerSession.set(k, (agentsPerSession.get(k) ?? 0) + 1);
  }
  return panes.map((p) => {
    const { pane } = p;
    const shared = (agentsPerSession.get(`${p.server.name}:${pane.session}`) ?? 0) > 1 || NOT_AN_AGENT.has(p.agent);
    const base = sessionName(p.server, pane.session);
    const name = shared ? `${base}.${pane.windowIndex}.${pane.paneIndex}` : base;
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
      argv: p.identification.argv,
      agent: p.agent,
      state: p.state,
      reason: p.reason,
      detail: p.detail,
      width: pane.width,
      height: pane.height,
      stateSince: p.stateSince,
      lastOutputAt: p.lastOutputMs === null ? null : new Date(p.lastOutputMs).toISOString(),
      excluded: excluded.has(name) || excluded.has(pane.session),
      currentTaskId: null,
      lastLine: p.isAgent ? p.lastLine : null,
    };
  });
}
