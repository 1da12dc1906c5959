import type { Caller, CommandParams, CommandResult, Session, SessionState } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import type { ConfigService } from '../config/service.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { SessionMonitor } from '../sessions/monitor.js';
import { explanationText } from '../sessions/explain-text.js';
import type { SessionSink, SessionTransition } from '../sessions/sink.js';
import type { Store } from '../store/store.js';
import { toSqlTime } from '../store/time.js';
import { TerminalRefused, TerminalService } from '../terminal/terminal-service.js';
import { sameServer, tmuxServer, type TmuxServer } from '../tmux/server.js';
import { serversToWatch, sshControlDir } from '../tmux/watched-servers.js';
import { hooksFilePath } from '../hooks/events.js';
import { SessionReads } from '../store/session-reads.js';
import { localHeldTasks, type HeldTaskSource } from '../store/held-tasks.js';
import { SessionDeltas } from '../sessions/deltas.js';
import { watched } from '../log/watchdog.js';
import { configSessionNames, renamedMessage, renamedSessions } from '../sessions/renamed-sessions.js';

type Names =
  | 'sessions.list'
  | 'sessions.history'
  | 'sessions.timeline'
  | 'sessions.explain'
  | 'sessions.argv'
  | 'terminal.open'
  | 'terminal.input'
  | 'terminal.ack'
  | 'terminal.close';
type SessionCommands = { [N in Names]: (p: CommandParams<N>, caller?: Caller) => CommandResult<N> | Promise<CommandResult<N>> };

export interface SessionsFeature {
  monitor: SessionMonitor | null;
  list(): Session[];
  /** Names of the tmux servers watched now (command line plus servers.yaml). */
  serverNames(): string[];
  /** A watched server by the name sessions carry (`session.server`), local or over ssh. */
  server(name: string): TmuxServer | undefined;
  /** Where held tasks come from from now on (a shared queue's, once it is up); every listed session is read again from it. */
  useHeldTasks(source: HeldTaskSource): void;
  /** Called with every published list and its transitions (the assigner listens here). */
  onChange(listener: (sessions: Session[], transitions: SessionTransition[]) => void): () => void;
  /** Called with the sessions whose rows were just written (committed; a write the busy database put off, once its retry made it). */
  onRowsWritten(listener: (rows: ReadonlyArray<Pick<Session, 'id' | 'name'>>) => void): () => void;
  commands: SessionCommands;
  stop(): Promise<void>;
}

const MS_PER_HOUR = 3_600_000;
/**
 * How often `sessions.last_heartbeat` is written for every live agent, changed or not:
 * well inside the seed's 5-minute `sessions_active` window, one small transaction.
 */
export const HEARTBEAT_MS = 30_000;
/** At least this often every listed session's held task is read again from this console's file (one statement). */
const HELD_REFRESH_MS = 5_000;
/** How soon after a session change the config's session names are checked against the sessions (a full scan's period). */
const RENAMED_CHECK_MS = 5_000;
/** After a publish found the database busy (SQLITE_BUSY), its rows are written again this much later. */
export const BUSY_RETRY_MS = 1_000;
/** While writes wait (a config index being built), how often the sink looks whether they still must. */
const WAIT_RETRY_MS = 100;
/** Transitions kept while writes wait, at most (100 agents' start is ~200): the oldest go first, said once. */
const MAX_QUEUED_TRANSITIONS = 10_000;

/** An agent whose process runs and whose state could be read (not exited, not out of reach). */
function isAlive(s: Session): boolean {
  return s.state !== 'exited' && s.state !== 'unknown';
}

/** What a session's row holds that a publish can change (liveness: its heartbeat set or cleared). */
function rowKey(s: Session): string {
  return `${s.name}\0${s.server}\0${s.agent}\0${s.cwd}\0${isAlive(s) ? 1 : 0}`;
}

/**
 * Sessions and their transitions kept in SQLite, for history, timelines and the seed's
 * queries. A publish writes only the rows whose name, server, agent, folder or liveness
 * changed (each publish used to rewrite all 100 rows and look up each one's project);
 * the heartbeat of the unchanged live ones is the HEARTBEAT_MS beat's.
 */
export class StoreSessionSink implements SessionSink {
  /** Session id → rowKey of what was last written. */
  private written = new Map<string, string>();
  /** Sessions changed but not written yet (the database was busy), by id: the retry writes them. */
  private readonly pending = new Map<string, Session>();
  /** Transitions not written yet, in order: their rows wait (above), or writes wait (writesWait). */
  private readonly queued: QueuedTransition[] = [];
  /** Transitions dropped from a full queue since it was last written. */
  private dropped = 0;
  private retry: NodeJS.Timeout | null = null;
  private readonly writtenListeners = new Set<(rows: ReadonlyArray<Pick<Session, 'id' | 'name'>>) => void>();

  /**
   * `writesWait`: true while another connection holds the file's write lock for long (a
   * config index being built: 0.6–2 s on the 1M seed, at the first start with a new
   * index). A write then would wait for it on the console's thread — the start's first
   * publish blocked it 0.5–0.6 s on the bench — so rows and transitions wait in memory
   * instead, and the retry writes them once it is done.
   */
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly retryMs = BUSY_RETRY_MS,
    private readonly writesWait: () => boolean = () => false,
  ) {}

  /**
   * Calls `listener` with the sessions whose rows each write made (new, renamed, or
   * otherwise changed), once they are committed: a row the database was too busy for
   * is told when the retry writes it, not when its session was published. Returns the unsubscribe.
   */
  onWritten(listener: (rows: ReadonlyArray<Pick<Session, 'id' | 'name'>>) => void): () => void {
    this.writtenListeners.add(listener);
    return () => this.writtenListeners.delete(listener);
  }

  upsert(sessions: Session[]): void {
    // A publish passes the sessions it changed; those not written yet (a busy database) wait here.
    for (const s of sessions) this.pending.set(s.id, s);
    const changed = [...this.pending.values()].filter((s) => this.written.get(s.id) !== rowKey(s));
    if (changed.length === 0) {
      this.pending.clear();
      this.flushTransitions();
      return;
    }
    if (this.writesWait()) {
      this.later(WAIT_RETRY_MS);
      return;
    }
    try {
      this.store.transaction(() => {
        for (const s of changed) {
          this.store.sessions.upsert({
            id: s.id,
            name: s.name,
            server: s.server,
            provider: s.agent,
            cwd: s.cwd,
            projectId: this.store.projects.findForCwd(s.cwd)?.id ?? null,
            // Liveness, not output: the agent's process is there and its state was read now.
            lastHeartbeat: isAlive(s) ? toSqlTime(new Date()) : null,
          });
        }
      });
      for (const s of changed) this.written.set(s.id, rowKey(s));
      this.pending.clear();
    } catch (err) {
      this.failed(err, changed.length);
      return;
    }
    const rows = changed.map((s) => ({ id: s.id, name: s.name }));
    for (const listener of this.writtenListeners) {
      try {
        listener(rows);
      } catch (err) {
        this.log.error('a listener of written session rows failed', { error: err instanceof Error ? err : String(err) });
      }
    }
    this.flushTransitions();
  }

  /** The retry, `ms` from now (one at a time). */
  private later(ms: number): void {
    this.retry ??= setTimeout(() => {
      this.retry = null;
      this.upsert([]);
    }, ms);
    this.retry.unref();
  }

  /** A write that failed: a busy database's is tried again by itself; any other is said and dropped. */
  private failed(err: unknown, sessions: number): void {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      // Another connection held the write lock past the busy timeout (at start-up, a
      // config index built on a big file). A publish comes only when a session changes,
      // so without a retry these rows would wait for the next change (minutes, on a quiet fleet).
      this.log.warn('could not record sessions yet: the database is busy; trying again', { sessions, retryMs: this.retryMs });
      this.later(this.retryMs);
      return;
    }
    this.pending.clear();
    this.log.error('could not record sessions', { error: err instanceof Error ? err : String(err) });
  }

  /** Drops a pending retry (the store is closing). */
  stop(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  recordTransition(sessionId: string, from: SessionState, to: SessionState, reason: string | null, atIso: string): void {
    // After those before it, and after its session's row (a new session's row may be waiting).
    if (this.queued.length > 0 || this.pending.size > 0 || this.writesWait()) {
      if (this.queued.length >= MAX_QUEUED_TRANSITIONS) {
        this.queued.shift();
        this.dropped++;
      }
      this.queued.push({ sessionId, from, to, reason, atIso });
      this.later(this.writesWait() ? WAIT_RETRY_MS : this.retryMs);
      return;
    }
    this.writeTransition({ sessionId, from, to, reason, atIso });
  }

  private writeTransition(t: QueuedTransition): void {
    try {
      this.store.sessions.recordTransition(t.sessionId, t.from, t.to, t.reason, new Date(t.atIso));
    } catch (err) {
      this.log.error('could not record a session transition', { sessionId: t.sessionId, error: err instanceof Error ? err : String(err) });
    }
  }

  /** The transitions that waited, in order, once their rows are written and writes need not wait. */
  private flushTransitions(): void {
    if (this.queued.length === 0 || this.pending.size > 0) return;
    if (this.writesWait()) {
      this.later(WAIT_RETRY_MS);
      return;
    }
    if (this.dropped > 0) this.log.warn('some session state changes were not recorded: too many waited for the database', { dropped: this.dropped });
    this.dropped = 0;
    for (const t of this.queued.splice(0)) this.writeTransition(t);
  }
}

interface QueuedTransition {
  sessionId: string;
  from: SessionState;
  to: SessionState;
  reason: string | null;
  atIso: string;
}

/** The tmux watch: discovery, agent state, transitions pushed live; terminals onto panes. */
export async function setupSessions(opts: {
  config: ConfigService;
  store: Store;
  bus: EventBus;
  log: Logger;
  servers: string[];
  dataDir: string;
  /** On a shared queue: this machine's name, which its local sessions carry there (SessionMonitorOptions.host). */
  host?: string;
  /** True while a config index is being built: session rows, transitions and liveness wait in memory (StoreSessionSink). */
  writesWait?: () => boolean;
  /** HELD_REFRESH_MS unless a test counts reads. */
  heldRefreshMs?: number;
}): Promise<SessionsFeature> {
  const fromCommandLine: TmuxServer[] = opts.servers.map((name) => tmuxServer(name === 'default' ? null : name));
  const controlDir = sshControlDir(opts.dataDir);
  let servers: TmuxServer[] = [];
  /** Command line + servers.yaml; true when the list changed. */
  const applyServers = (snapshot: ConfigSnapshot | null): boolean => {
    const { servers: next, problems } = serversToWatch(fromCommandLine, snapshot?.servers ?? null, controlDir);
    for (const p of problems) opts.log.warn(p);
    const same = next.length === servers.length && next.every((s, i) => sameServer(s, servers[i]!));
    if (same) return false;
    servers = next;
    return true;
  };
  const sink = new StoreSessionSink(opts.store, opts.log, BUSY_RETRY_MS, opts.writesWait);
  const listeners = new Set<(sessions: Session[], transitions: SessionTransition[]) => void>();
  const terminals = new TerminalService({ logger: opts.log });
  let monitor: SessionMonitor | null = null;

  // The task a session holds lives in the queue, not in tmux: joined in here, kept by
  // session name, from a HeldTaskSource (this console's file, or the shared queue once
  // it is up: useHeldTasks). A publish reads the held tasks of the sessions it changed;
  // a change the source reports re-reads the sessions it names (or every listed one)
  // and tells clients the sessions whose task changed. An unchanged session with an
  // unchanged task is the same object as last time.
  const reads = new SessionReads(opts.store.reader);
  let source: HeldTaskSource = localHeldTasks(reads, opts.bus, opts.heldRefreshMs ?? HELD_REFRESH_MS);
  const held = new Map<string, number | null>();
  const joined = new Map<string, { raw: Session; held: number | null; out: Session }>();
  const readHeld = (names: readonly string[]): void => {
    if (names.length === 0) return;
    try {
      for (const [name, id] of source.read(names)) held.set(name, id);
    } catch (err) {
      opts.log.warn('could not read the tasks sessions hold', { error: err instanceof Error ? err : String(err) });
    }
  };
  const withTasks = (sessions: Session[], changed: readonly Session[] = []): Session[] =>
    watched('sessions held tasks', () => {
      readHeld([...new Set([...changed.map((s) => s.name), ...sessions.filter((s) => !held.has(s.name)).map((s) => s.name)])]);
      return sessions.map((s) => {
        const h = held.get(s.name) ?? null;
        const before = joined.get(s.id);
        if (before && before.raw === s && before.held === h) return before.out;
        const out = { ...s, currentTaskId: h };
        joined.set(s.id, { raw: s, held: h, out });
        return out;
      });
    });
  const deltas = new SessionDeltas();
  /** The source says these sessions' tasks changed (null: any may have): read them again, tell clients. */
  const refreshHeld = (names: readonly string[] | null): void => {
    if (!monitor) return;
    const raw = monitor.list();
    const listed = new Set(raw.map((s) => s.name));
    if (names === null) {
      for (const name of held.keys()) if (!listed.has(name)) held.delete(name);
      readHeld([...listed]);
    } else {
      readHeld(names.filter((n) => listed.has(n)));
    }
    const sessions = withTasks(raw);
    const delta = deltas.next(sessions);
    if (delta) opts.bus.emit('sessions.delta', delta);
  };
  let offHeld = source.subscribe(refreshHeld);
  // A rule naming `w1` while the only `w1` is now `b:w1` (a second local server) matches
  // nothing: said once per rule and name, like `config check` says it.
  let renamedCheck: NodeJS.Timeout | null = null;
  const warnedRenamed = new Set<string>();
  const checkRenamed = (): void => {
    renamedCheck = null;
    const snapshot = opts.config.snapshot();
    if (!snapshot || !monitor) return;
    for (const r of renamedSessions(configSessionNames(snapshot), monitor.list())) {
      const message = `${r.file}.yaml ${r.at.join('.')}: ${renamedMessage(r)}`;
      if (warnedRenamed.has(message)) continue;
      warnedRenamed.add(message);
      opts.log.warn(message);
    }
  };
  const excludedOf = (s: ConfigSnapshot): string[] => [...s.routing.excluded_sessions];
  const startMonitor = async (snapshot: ConfigSnapshot): Promise<void> => {
    if (!snapshot.agents) {
      opts.log.warn('config has no agents.yaml: agent panes cannot be recognised');
      return;
    }
    const m = new SessionMonitor({ servers, agents: snapshot.agents, excluded: excludedOf(snapshot), sink, logger: opts.log, hooksFile: hooksFilePath(opts.dataDir), host: opts.host });
    m.onChange((raw, transitions, changes) => {
      for (const id of changes.removed) joined.delete(id);
      const sessions = withTasks(raw, changes.changed);
      opts.bus.emit('sessions.changed', { sessions });
      const delta = deltas.next(sessions);
      if (delta) opts.bus.emit('sessions.delta', delta);
      for (const t of transitions) {
        opts.bus.emit('sessions.transition', { sessionId: t.sessionId, at: t.at, from: t.from, to: t.to, reason: t.reason });
      }
      for (const l of listeners) l(sessions, transitions);
      if (!renamedCheck) {
        renamedCheck = setTimeout(checkRenamed, RENAMED_CHECK_MS);
        renamedCheck.unref();
      }
    });
    monitor = m;
    await m.start();
  };

  const initial = opts.config.snapshot();
  applyServers(initial);
  if (initial) await startMonitor(initial);
  const unsubscribe = opts.config.subscribe((snapshot) => {
    const serversChanged = applyServers(snapshot);
    if (!monitor) {
      void startMonitor(snapshot);
      return;
    }
    if (serversChanged) monitor.setServers(servers);
    if (snapshot.agents) monitor.setManifests(snapshot.agents);
    monitor.setExcluded(excludedOf(snapshot));
  });

  const list = (): Session[] => withTasks(monitor?.list() ?? []);
  // Liveness for the database's readers (sessions_active and other named queries): every
  // live agent beats, an idle one that prints nothing included.
  const beat = setInterval(() => {
    if (opts.writesWait?.()) return; // the next beat writes it
    try {
      opts.store.sessions.alive((monitor?.list() ?? []).filter(isAlive).map((s) => s.id));
    } catch (err) {
      opts.log.warn('could not record session liveness', { error: err instanceof Error ? err : String(err) });
    }
  }, HEARTBEAT_MS);
  beat.unref();
  const find = (id: string): Session => {
    const s = list().find((x) => x.id === id || x.name === id);
    if (!s) throw new ApiError('invalid_params', `no session "${id}" (see sessions.list for the ids)`);
    return s;
  };
  /** A terminal belongs to a client; calls from inside the core have none. */
  const viewer = (caller: Caller | undefined): Caller => {
    if (!caller) throw new ApiError('unavailable', 'a terminal needs a client to show it');
    return caller;
  };
  const terminalCall = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(err instanceof TerminalRefused ? 'invalid_params' : 'failed', err instanceof Error ? err.message : String(err));
    }
  };
  /** Clients whose terminals close when they go away (registered once each). */
  const watchedClients = new Set<string>();

  return {
    get monitor() {
      return monitor;
    },
    list,
    useHeldTasks: (next) => {
      offHeld();
      source = next;
      held.clear();
      offHeld = source.subscribe(refreshHeld);
      refreshHeld(null);
    },
    serverNames: () => servers.map((s) => s.name),
    server: (name) => servers.find((s) => s.name === name),
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onRowsWritten: (l) => sink.onWritten(l),
    commands: {
      'sessions.list': () => ({ sessions: list() }),
      'sessions.history': (p) => ({
        events: reads.stateHistory(p.id, p.limit),
      }),
      'sessions.timeline': (p) => {
        const since = new Date(Date.now() - p.hours * MS_PER_HOUR);
        return { since: since.toISOString(), events: reads.timelineSince(since) };
      },
      'sessions.argv': (p) => {
        const session = find(p.id);
        const argv = monitor?.argvOf(session.id);
        if (!argv) throw new ApiError('invalid_params', `no session "${p.id}" (see sessions.list for the ids)`);
        return { argv };
      },
      'sessions.explain': async (p) => {
        if (!monitor) throw new ApiError('unavailable', 'agent detection is not running (no valid config yet)');
        const session = find(p.id);
        const explanation = await monitor.explain(`${session.server}:${session.paneId}`);
        return { text: explanationText(explanation) };
      },
      'terminal.open': (p, caller) =>
        terminalCall(async () => {
          const owner = viewer(caller);
          const session = find(p.sessionId);
          const server = servers.find((s) => s.name === session.server);
          if (!server) throw new ApiError('invalid_params', `tmux server "${session.server}" is not watched`);
          if (!watchedClients.has(owner.id)) {
            watchedClients.add(owner.id);
            owner.onGone(() => {
              watchedClients.delete(owner.id);
              terminals.closeOwnedBy(owner.id);
            });
          }
          // Output, size and end go to the client that opened the view, to nobody else.
          const { id, cols, rows } = await terminals.open(server, session.paneId, owner, {
            data: (terminalId, data) => owner.notify('terminal.data', { terminalId, data }),
            resized: (terminalId, c, r) => owner.notify('terminal.resized', { terminalId, cols: c, rows: r }),
            exit: (terminalId, reason) => owner.notify('terminal.exit', { terminalId, reason }),
          });
          return { terminalId: id, cols, rows };
        }),
      'terminal.input': (p, caller) => terminalCall(async () => (await terminals.write(p.terminalId, viewer(caller).id, p.data), { ok: true as const })),
      'terminal.ack': (p, caller) => terminalCall(() => (terminals.ack(p.terminalId, viewer(caller).id, p.bytes), { ok: true as const })),
      'terminal.close': (p, caller) => terminalCall(() => (terminals.close(p.terminalId, viewer(caller).id), { ok: true as const })),
    },
    stop: async () => {
      clearInterval(beat);
      offHeld();
      if (renamedCheck) clearTimeout(renamedCheck);
      unsubscribe();
      terminals.closeAll();
      monitor?.stop();
      sink.stop();
    },
  };
}
