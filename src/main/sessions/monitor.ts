import type { Session, SessionState } from '../../shared/api.js';
import type { AgentsFile } from '../config/schemas/agents.js';
import { silentLogger, type Logger } from '../log/logger.js';
import path from 'node:path';
import { HookTail } from '../hooks/tail.js';
import { markWatchedServers } from '../hooks/events.js';
import { clearedFilePath, errorFingerprint, forgetClears, readClears, recordClear as storeClear, type ClearedError } from '../hooks/cleared.js';
import type { HookEvent } from '../hooks/events.js';
import { discover, type Pane } from '../tmux/discover.js';
import { namedServers, sameServer, TmuxNotRunning, type TmuxServer } from '../tmux/server.js';
import type { ControlClient } from '../tmux/control-client.js';
import { explainScreen, UNKNOWN, type Classification, type RuleVerdict, type Screen } from './classify.js';
import { identifyAgent, type Identification } from './identify.js';
import { compileManifests, type CompiledManifests } from './manifests.js';
import { parsePaneRef, refMatches } from './pane-ref.js';
import { paneProcesses, treeKey, type ProcessTable } from './process-tree.js';
import { foregroundGroup, ProcessTables } from './process-tables.js';
import { HOST_UNREACHABLE, HostOutages } from './host-outages.js';
import { SessionClients } from './control-clients.js';
import { SettleTimer } from './settle.js';
import { lastTextLine } from './last-line.js';
import { readFrame } from './blank-frame.js';
import { compileDialogs, readDialog, type CompiledDialog } from '../attention/dialogs.js';
import type { DialogView } from '../../shared/attention.js';
import { decide, HOOK_FRESH_MS, type HookSignal } from './signals.js';
import type { SessionSink, SessionTransition } from './sink.js';
import { SessionChanges, SessionList, TrackedPane } from './tracked-pane.js';
import { watched } from '../log/watchdog.js';

/** The safety net: a full re-list of every server, also how a restarted server is found again. */
export const FULL_SCAN_INTERVAL_MS = 5_000;
/** Layout notifications come in bursts (a split sends several); one re-list serves them all. */
const LAYOUT_RESCAN_MS = 50;
/** A change seen before the screen settled is re-read once after this, and kept only if it holds. */
const CONFIRM_MS = 40;
/**
 * Full scans re-read only screens that printed since their last read (an unchanged
 * screen classifies the same), and identify only panes whose processes changed. In case
 * a notification was lost, each pane also has a turn (0..N-1, given round-robin when it is
 * first tracked): the scan whose turn it is identifies it afresh and re-reads its screen.
 * So every pane is read anew at least every N scans, a sixth of them per scan, not all in
 * one scan (with 100 agents that was one 18–25 ms block of the event loop every 30 s).
 */
const FULL_REREAD_EVERY_SCANS = 6;
/** How many scans `recentScans` keeps. */
const SCANS_KEPT = 2 * FULL_REREAD_EVERY_SCANS;
/** Grouped sessions that terminal viewers of earlier versions created: never agents of their own. */
export const VIEWER_SESSION_PREFIX = 'architect-view-';

/**
 * Called with every publish: the whole list, its transitions, and what changed since
 * the last publish (sessions new or rebuilt, by identity; ids gone). An unchanged
 * session is the same object as in the previous call.
 */
export type SessionsListener = (sessions: Session[], transitions: SessionTransition[], changes: { changed: Session[]; removed: string[] }) => void;

export interface SessionMonitorOptions {
  servers: TmuxServer[];
  agents: AgentsFile;
  /** Session names shown but never routed to. */
  excluded?: string[];
  sink?: SessionSink;
  logger?: Logger;
  scanIntervalMs?: number;
  /** Agent hook events to follow (`hooksFilePath(dataDir)`); none when absent. */
  hooksFile?: string | null;
  /** How long a hook event beats the screen (HOOK_FRESH_MS). */
  hookFreshMs?: number;
  /**
   * On a shared queue: this machine's name (queueHostName), which its local servers'
   * sessions carry (`HOST:w1`, namedServers). Absent: names as a single console has them.
   */
  host?: string;
}

export interface PaneExplanation {
  session: Session;
  identification: Identification;
  screen: Screen | null;
  /** What the screen shows now. */
  result: Classification;
  verdicts: RuleVerdict[];
  /** The agent's latest hook event still kept (it may be what decided the state). */
  hook: HookSignal | null;
  /** What decided the reported state: a rule id, `hook:EVENT`, or null (process or pane events). */
  decidedBy: string | null;
}

/** What one scan identified afresh and whose screens it read (session ids). */
export interface ScanRecord {
  /** Every pane's turn (the first scan, a config reload). */
  all: boolean;
  identified: string[];
  screensRead: string[];
}

export class SessionMonitor {
  private manifests: CompiledManifests;
  /** Each agent's dialogs (agents.yaml `dialogs:`): a waiting session's detail carries the one on screen. */
  private dialogs = new Map<string, CompiledDialog[]>();
  private excluded: Set<string>;
  private readonly panes = new Map<string, TrackedPane>();
  private servers: TmuxServer[];
  private readonly processTables = new ProcessTables();
  /** The last problem logged per server: an unreachable host is reported once, not every scan. */
  private readonly serverProblems = new Map<string, string>();
  private readonly clients: SessionClients;
  /** Remote hosts out of reach, and their reconnect attempts. */
  private readonly outages: HostOutages;
  private hooks: HookTail | null = null;
  private readonly listeners = new Set<SessionsListener>();
  private readonly log: Logger;
  private scanTimer: NodeJS.Timeout | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private scanAgain = false;
  /** The turn of the last scan (FULL_REREAD_EVERY_SCANS)… */
  private scanTurn = 0;
  /** …and the turn the next new pane gets. */
  private nextPaneTurn = 0;
  private rereadAll = true;
  private readonly scanLog: ScanRecord[] = [];
  private running = false;
  /** Sessions built anew only where a pane changed. */
  private readonly sessionList = new SessionList();
  /** What each publish changed, by identity (for the store's rows and the list's news)… */
  private readonly changes = new SessionChanges();
  /** …and what changed since listeners were last called (a publish that is no news calls none). */
  private readonly toldChanges = new SessionChanges();
  /** Per session, what makes a list change news without a transition (listKey). */
  private publishedKeys = new Map<string, string>();
  /** Errors the operator cleared, as stored for every console (hooks/cleared.json); re-read at each full scan. */
  private clears = new Map<string, ClearedError>();
  private readonly clearsFile: string | null;

  constructor(private readonly options: SessionMonitorOptions) {
    this.manifests = compileManifests(options.agents);
    this.dialogs = agentDialogs(options.agents);
    this.servers = namedServers(options.servers, options.host);
    this.excluded = new Set(options.excluded ?? []);
    this.log = (options.logger ?? silentLogger).child({ module: 'sessions' });
    this.clearsFile = options.hooksFile ? clearedFilePath(path.dirname(path.dirname(options.hooksFile))) : null;
    this.clients = new SessionClients((server, key) => ({
      onOutput: (paneId) => this.onOutput(`${server.name}:${paneId}`),
      // What the session's panes printed before its client attached was not reported: read them again.
      onAttached: () => this.onAttached(server, key.slice(server.name.length + 1)),
      onLayoutChange: () => this.requestRescan(),
      onExit: () => this.requestRescan(),
    }));
    this.outages = new HostOutages({
      probe: (server) => discover(server).then(() => undefined, (err: unknown) => {
        if (!(err instanceof TmuxNotRunning)) throw err;
      }),
      onBack: () => this.requestRescan(),
      log: this.log,
    });
  }

  /** Starts watching; resolves after the first scan. Returns `stop`. */
  async start(): Promise<() => void> {
    this.running = true;
    await this.scan();
    // After the first scan: events of the last seconds (before a restart) find their panes.
    if (this.options.hooksFile && this.running) {
      this.markWatched();
      this.hooks = new HookTail(this.options.hooksFile, (e) => this.onHook(e));
      try {
        this.hooks.start();
      } catch (err) {
        this.log.warn('cannot follow agent hook events', { file: this.options.hooksFile, err });
      }
    }
    // A scan still running is the safety net already: one that takes longer than the
    // interval (a slow remote host) must not queue the next back to back, forever.
    this.scanTimer = setInterval(() => {
      if (!this.scanning) void this.scan();
    }, this.options.scanIntervalMs ?? FULL_SCAN_INTERVAL_MS);
    return () => this.stop();
  }

  stop(): void {
    this.running = false;
    if (this.scanTimer) clearInterval(this.scanTimer);
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.scanTimer = this.rescanTimer = null;
    this.hooks?.stop();
    this.hooks = null;
    this.outages.stop();
    this.clients.closeAll();
    this.processTables.clear();
    for (const pane of this.panes.values()) {
      pane.settle.cancel();
      pane.forgetSignals();
    }
  }

  onChange(listener: SessionsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): Session[] {
    return this.sessionList.build([...this.panes.values()], this.excluded);
  }

  /** A session's whole command line (the listed one is shortened), or null for no such session. */
  argvOf(sessionId: string): string[] | null {
    const tracked = this.panes.get(sessionId);
    return tracked ? [...tracked.identification.argv] : null;
  }

  /** What the last scans (SCANS_KEPT) identified and read, oldest first (tests read it). */
  get recentScans(): readonly ScanRecord[] {
    return [...this.scanLog];
  }

  /** Session objects built so far: a change to one pane builds one (tests read it). */
  get sessionsBuilt(): number {
    return this.sessionList.builds;
  }

  /** Config reload: new rules apply to every agent pane at once. */
  setManifests(agents: AgentsFile): void {
    this.manifests = compileManifests(agents);
    this.dialogs = agentDialogs(agents);
    this.rereadAll = true;
    void this.scan();
  }

  /** The servers watched now. */
  get watched(): readonly TmuxServer[] {
    return this.servers;
  }

  /**
   * Config reload (servers.yaml): new servers are watched from the next scan; removed
   * ones (or ones whose address changed) are dropped, their panes reported exited.
   */
  setServers(next: readonly TmuxServer[]): void {
    // A server whose naming changed (another local server now comes first) is dropped
    // and found again: its sessions' names changed, and with them what routing means.
    const kept = namedServers(next, this.options.host).map((s) => this.servers.find((o) => sameServer(o, s)) ?? s);
    const removed = this.servers.filter((o) => !kept.includes(o));
    this.servers = kept;
    const transitions: SessionTransition[] = [];
    for (const server of removed) {
      this.clients.sync(server, [], false); // closes its control clients
      this.serverProblems.delete(server.name);
      this.outages.forget(server);
      for (const [key, tracked] of this.panes) {
        if (tracked.server !== server) continue;
        tracked.settle.cancel();
        tracked.forgetSignals();
        this.panes.delete(key);
        this.collect(transitions, tracked.setState('exited', `tmux server "${server.name}" is no longer watched`, null));
      }
    }
    if (removed.length > 0) this.publish(transitions, true);
    if (this.running && this.hooks) this.markWatched();
    if (this.running) void this.scan();
  }

  setExcluded(names: string[]): void {
    this.excluded = new Set(names);
    this.publish([]);
  }

  /** Re-lists every server now (also what the periodic safety net calls). */
  scan(): Promise<void> {
    if (this.scanning) {
      this.scanAgain = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.scanAgain = false;
          await this.scanOnce();
        } while (this.scanAgain && this.running);
      } finally {
        this.scanning = null;
      }
    })();
    return this.scanning;
  }

  /** Which rule decided a pane's state, and every other rule's verdict. */
  async explain(ref: string): Promise<PaneExplanation> {
    const parsed = parsePaneRef(ref);
    if (!parsed) throw new Error(`"${ref}" is not a pane: use %12, server:%12 or session:window.pane`);
    const pane = [...this.panes.values()].find((p) => refMatches(parsed, p.pane));
    if (!pane) throw new Error(`no pane ${ref} on ${this.servers.map((s) => s.name).join(', ')}`);
    const agent = this.manifests.byName.get(pane.identification.agent);
    const screen = await this.readScreen(pane);
    const explained = agent && screen ? explainScreen(screen, agent) : { result: UNKNOWN, verdicts: [] };
    const session = this.list().find((x) => x.id === pane.id)!;
    return { session, identification: pane.identification, screen, ...explained, hook: pane.hook, decidedBy: pane.ruleId };
  }

  private async scanOnce(): Promise<void> {
    const transitions: SessionTransition[] = [];
    if (this.clearsFile) this.clears = readClears(this.clearsFile);
    const tables = this.processTables.forScan((server, err) => this.reportProblem(server, 'cannot read the remote process table', err));
    // A scan identifies afresh and re-reads the screens of the panes whose turn it is (one
    // in FULL_REREAD_EVERY_SCANS, in turn), beside panes whose processes changed and screens
    // that may have. The first scan, and the first after a config reload (the rules
    // changed), does every pane. Taken now: a reload during this scan counts for the next.
    const all = this.rereadAll;
    this.rereadAll = false;
    const turn = (this.scanTurn = (this.scanTurn + 1) % FULL_REREAD_EVERY_SCANS);
    const hasTurn = (p: TrackedPane): boolean => all || p.rereadTurn === turn;
    const record: ScanRecord = { all, identified: [], screensRead: [] };
    // Servers are listed side by side: a remote host that hangs holds up only its own panes.
    await Promise.all([...this.servers].map((server) => this.scanServer(server, tables, hasTurn, record)));
    this.hooks?.poll(); // in case the watch missed a write
    // Classify agent panes that are quiet; a pane in the middle of output is left to its settle timer.
    const due = [...this.panes.values()].filter(
      (p) => p.isAgent && !p.settle.pending && !this.outages.isDown(p.server) && (hasTurn(p) || p.screenMayHaveChanged || !this.clients.covers(p.server, p.pane.sessionId)),
    );
    record.screensRead = due.map((p) => p.id);
    this.scanLog.push(record);
    if (this.scanLog.length > SCANS_KEPT) this.scanLog.shift();
    await Promise.all(due.map(async (p) => this.collect(transitions, await this.classifyPane(p))));
    // Heartbeats (last output) and titles reach the store at least once per scan.
    this.publish(transitions, true);
  }

  /** Lists one server's panes and follows what changed; publishes its transitions. */
  private async scanServer(
    server: TmuxServer,
    tables: (server: TmuxServer) => Promise<ProcessTable | null>,
    hasTurn: (pane: TrackedPane) => boolean,
    record: ScanRecord,
  ): Promise<void> {
    const panes = await this.listPanes(server);
    if (panes === null || !this.servers.includes(server)) return; // out of reach, or dropped by a config reload meanwhile
    const transitions: SessionTransition[] = [];
    const table = panes.length > 0 ? await tables(server) : null;
    if (!this.servers.includes(server)) return; // dropped while its ps ran: adding its panes back would revive them
    const seen = new Set<string>();
    for (const pane of panes) {
      const key = `${server.name}:${pane.paneId}`;
      seen.add(key);
      let tracked = this.panes.get(key);
      if (!tracked) {
        tracked = new TrackedPane(server, pane, new SettleTimer((settled) => void this.refresh(key, settled)));
        tracked.rereadTurn = this.nextPaneTurn;
        this.nextPaneTurn = (this.nextPaneTurn + 1) % FULL_REREAD_EVERY_SCANS;
        this.panes.set(key, tracked);
      }
      tracked.update(pane);
      // Without a process table (a remote ps failed) the last identification stands; with
      // the same processes as last time it stands too (no command line read again: 200 reads a scan).
      const processes = table ? treeKey(table, pane.pid) : null;
      if (table && processes !== null && (hasTurn(tracked) || processes !== tracked.treeKey)) {
        tracked.treeKey = processes;
        record.identified.push(tracked.id);
        this.collect(transitions, tracked.identify(identifyAgent(paneProcesses(table, pane.pid), this.manifests), foregroundGroup(server, table, pane.pid)));
      }
      if (pane.dead) this.collect(transitions, tracked.setState('exited', 'pane is dead', null));
    }
    for (const [key, tracked] of this.panes) {
      if (tracked.server !== server || seen.has(key)) continue;
      tracked.settle.cancel();
      tracked.forgetSignals();
      this.panes.delete(key);
      this.forgetClear(key);
      this.collect(transitions, tracked.setState('exited', 'pane closed', null));
    }
    this.clients.sync(server, panes, this.running);
    // Out of the list means out now: a listener reading list() before the next await
    // must not see a pane vanish without its 'exited' transition.
    if (transitions.length > 0) this.publish(transitions, true);
  }

  /** The server's panes; [] when its tmux is not running; null when a remote host is out of reach (its panes are then left as they are). */
  private async listPanes(server: TmuxServer): Promise<Pane[] | null> {
    if (this.outages.isDown(server)) return null; // the reconnect attempts say when it answers
    try {
      const panes = (await discover(server, this.clients.commander(server))).filter((p) => !p.session.startsWith(VIEWER_SESSION_PREFIX));
      this.serverProblems.delete(server.name);
      return panes;
    } catch (err) {
      if (err instanceof TmuxNotRunning) return [];
      if (!server.ssh) {
        this.reportProblem(server, 'cannot list panes', err);
        return [];
      }
      // Out of reach says nothing about the panes there: they stay, unknown, never exited.
      if (this.servers.includes(server) && this.outages.down(server, err)) this.markUnreachable(server);
      return null;
    }
  }

  /** Every pane of the host reads unknown ("host unreachable"): nothing is routed to it, no task it holds moves. */
  private markUnreachable(server: TmuxServer): void {
    this.clients.sync(server, [], false); // clients over a hung link would wait for it
    const transitions: SessionTransition[] = [];
    for (const tracked of this.panes.values()) {
      if (tracked.server !== server) continue;
      tracked.settle.cancel();
      tracked.forgetSignals(); // read afresh once the host answers
      this.collect(transitions, tracked.setState('unknown', HOST_UNREACHABLE, null));
    }
    this.publish(transitions, true);
  }

  private reportProblem(server: TmuxServer, what: string, err: unknown): void {
    const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    if (this.serverProblems.get(server.name) === message) return;
    this.serverProblems.set(server.name, message);
    this.log.warn(what, { server: server.name, err });
  }

  private onOutput(key: string): void {
    const tracked = this.panes.get(key);
    if (!tracked) return this.requestRescan();
    tracked.lastOutputMs = Date.now();
    tracked.settle.touch();
  }

  private onAttached(server: TmuxServer, sessionId: string): void {
    for (const tracked of this.panes.values()) {
      if (tracked.server === server && tracked.pane.sessionId === sessionId) tracked.settle.touch();
    }
  }

  private requestRescan(): void {
    if (!this.running || this.rescanTimer) return;
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null;
      void this.scan();
    }, LAYOUT_RESCAN_MS);
  }

  /** A pane's output paused (settled) or its deadline passed: re-identify if needed, re-read, classify. */
  private async refresh(key: string, settled: boolean): Promise<void> {
    const tracked = this.panes.get(key);
    if (!tracked || !this.running || this.outages.isDown(tracked.server)) return;
    const transitions: SessionTransition[] = [];
    const fg = this.processTables.foreground(tracked.server, tracked.pane.pid);
    // A remote table read anew: a changed job gets the pane looked at again.
    void fg?.newer?.then((tpgid) => {
      if (tpgid !== tracked.foregroundGroup && this.panes.get(key) === tracked) tracked.settle.touch();
    }, () => undefined);
    if (fg && fg.tpgid !== tracked.foregroundGroup && this.panes.get(key) === tracked) {
      // The foreground job changed (an agent started or exited): walk the tree again; the
      // next scan identifies it afresh too (its processes may match the last scan's again).
      tracked.treeKey = null;
      this.collect(transitions, tracked.identify(identifyAgent(paneProcesses(fg.table(), tracked.pane.pid), this.manifests), fg.tpgid));
    }
    if (tracked.isAgent) {
      const started = Date.now();
      let next = await this.classifyScreen(tracked);
      if (next && next.state !== (tracked.screen?.state ?? tracked.state) && !settled) {
        // Read mid-redraw: keep the new state only if a second look agrees.
        await new Promise((r) => setTimeout(r, CONFIRM_MS));
        const again = await this.classifyScreen(tracked);
        if (again?.state !== next.state) next = null;
      }
      if (next && this.panes.get(key) === tracked && tracked.isAgent) {
        tracked.readScreen(next, Date.now(), started);
        this.collect(transitions, this.decideState(tracked));
      }
    }
    this.publish(transitions);
  }

  private async classifyPane(tracked: TrackedPane): Promise<SessionTransition | null> {
    const started = Date.now();
    const result = await this.classifyScreen(tracked);
    if (!result || !tracked.isAgent) return null;
    tracked.readScreen(result, Date.now(), started);
    return this.decideState(tracked);
  }

  /** Screen and hook together (signals.ts); schedules a re-decision for when the hook goes stale. */
  private decideState(tracked: TrackedPane): SessionTransition | null {
    const d = decide(tracked.screen, tracked.hook, Date.now(), this.options.hookFreshMs ?? HOOK_FRESH_MS);
    if (tracked.hookTimer) clearTimeout(tracked.hookTimer);
    tracked.hookTimer = null;
    if (d.hookExpiresInMs !== null) {
      tracked.hookTimer = setTimeout(() => {
        tracked.hookTimer = null;
        if (this.panes.get(tracked.id) !== tracked || !tracked.isAgent) return;
        tracked.hook = null;
        this.publish([this.decideState(tracked)].filter((t): t is SessionTransition => t !== null));
      }, d.hookExpiresInMs + 1);
      tracked.hookTimer.unref?.();
    }
    const shown = tracked.screen;
    if (shown && this.clears.has(tracked.id)) {
      // A stored clear lasts until the screen moves on: a new turn, a dialog, another error.
      const moved = shown.state === 'error' ? this.clears.get(tracked.id)?.error !== errorFingerprint(shown.reason, shown.message) : shown.state !== 'unknown';
      if (moved) this.forgetClear(tracked.id);
    }
    if (d.state === 'error' && shown && d.ruleId === shown.ruleId) {
      // The operator cleared this error (architect sessions clear): it reads idle while the
      // screen still shows that same error; the next turn (or another error) ends it.
      const fingerprint = errorFingerprint(shown.reason, shown.message);
      if (tracked.clearedError === fingerprint || this.clears.get(tracked.id)?.error === fingerprint) {
        return tracked.setState('idle', 'cleared', d.ruleId, { kind: 'cleared', message: d.detail?.message ?? null, resetAt: null, dialog: null });
      }
    }
    if (shown && shown.state !== 'error') tracked.clearedError = null;
    return tracked.setState(d.state, d.reason, d.ruleId, d.detail);
  }

  /** `hooks emit` records panes of these servers only (a hook installed globally stays quiet elsewhere). */
  private markWatched(): void {
    if (!this.options.hooksFile) return;
    try {
      markWatchedServers(path.dirname(path.dirname(this.options.hooksFile)), this.servers.filter((s) => !s.ssh).map((s) => s.name));
    } catch (err) {
      this.log.warn('cannot list the watched servers for agent hooks', { file: this.options.hooksFile, err });
    }
  }

  /**
   * `architect sessions clear`: stores the error a pane shows as cleared, for every
   * console (one started later too) until the screen moves on. Returns the session, or
   * null when its screen shows no error now (a hook-only error has nothing to match).
   */
  recordClear(sessionId: string): Session | null {
    const tracked = this.panes.get(sessionId);
    if (!tracked?.screen || tracked.screen.state !== 'error' || !this.clearsFile) return null;
    storeClear(this.clearsFile, sessionId, errorFingerprint(tracked.screen.reason, tracked.screen.message));
    this.clears = readClears(this.clearsFile);
    tracked.hook = null;
    this.publish([this.decideState(tracked)].filter((t): t is SessionTransition => t !== null));
    return this.list().find((x) => x.id === tracked.id) ?? null;
  }

  private forgetClear(sessionId: string): void {
    if (!this.clearsFile || !this.clears.delete(sessionId)) return;
    try {
      forgetClears(this.clearsFile, [sessionId]);
    } catch (err) {
      this.log.warn('cannot update the cleared errors', { file: this.clearsFile, err });
    }
  }

  /** The operator cleared a pane's error (a hook event `operator_clear`): it reads idle until the screen moves on. */
  private clearError(tracked: TrackedPane): void {
    if (!tracked.screen || tracked.screen.state !== 'error') return;
    tracked.clearedError = errorFingerprint(tracked.screen.reason, tracked.screen.message);
    tracked.hook = null;
    this.publish([this.decideState(tracked)].filter((t): t is SessionTransition => t !== null));
  }

  /** An agent hook reported a transition: it applies at once (no screen read, no settle wait). */
  private onHook(event: HookEvent): void {
    if (!this.running) return;
    const tracked = this.panes.get(`${event.server}:${event.pane}`);
    const atMs = Date.parse(event.at);
    // Process liveness wins: a hook for a pane whose agent has gone revives nothing.
    if (!tracked || !tracked.isAgent || Date.now() - atMs >= (this.options.hookFreshMs ?? HOOK_FRESH_MS)) return;
    if (event.event === OPERATOR_CLEAR) return this.clearError(tracked);
    if (tracked.hook && tracked.hook.atMs > atMs) return; // out of order
    tracked.hook = { state: event.state, reason: event.reason, event: event.event, atMs };
    this.publish([this.decideState(tracked)].filter((t): t is SessionTransition => t !== null));
  }

  private async classifyScreen(tracked: TrackedPane): Promise<(Classification & { dialog?: DialogView | null }) | null> {
    const agent = this.manifests.byName.get(tracked.identification.agent);
    if (!agent) return null;
    const screen = await this.readScreen(tracked);
    if (!screen) return null;
    tracked.lastLine = lastTextLine(screen.lines);
    // A blank frame (a redraw between its clear and its paint) keeps the state read before it.
    const reading = readFrame(screen, agent, tracked.screen);
    if (reading?.state !== 'waiting') return reading;
    const d = readDialog(screen, this.dialogs.get(tracked.identification.agent) ?? []);
    return { ...reading, dialog: d && { id: d.id, dialogId: d.dialogId, kind: d.kind, question: d.question, context: d.context, options: d.options } };
  }

  /** A live control client of the server (commands over it start no tmux process), or null. */
  commander(server: TmuxServer): ControlClient | null {
    return this.clients.commander(server);
  }

  private async readScreen(tracked: TrackedPane): Promise<Screen | null> {
    try {
      return await this.clients.screen(tracked.server, tracked.pane);
    } catch (err) {
      this.log.debug('cannot read pane', { pane: tracked.pane.paneId, server: tracked.server.name, err });
      return null; // the pane closed in between; the rescan will say so
    }
  }

  private collect(into: SessionTransition[], t: SessionTransition | null): void {
    if (t) into.push(t);
  }

  private publish(transitions: SessionTransition[], upsert = false): void {
    watched('sessions publish', () => this.publishNow(transitions, upsert));
  }

  private publishNow(transitions: SessionTransition[], _upsert: boolean): void {
    const sessions = this.list();
    const changes = this.changes.next(sessions);
    const sink = this.options.sink;
    if (sink) {
      // The row first: a transition of a pane seen for the first time needs its session to exist.
      if (changes.changed.length > 0) sink.upsert(changes.changed);
      for (const t of transitions) sink.recordTransition(t.sessionId, t.from, t.to, t.reason, t.at);
    }
    // A pane that appeared or left, or whose process changed (env became sh), without
    // changing state still changes the list.
    // A new reason, message or dialog in the same state (another error, a retry's next attempt) is news too.
    let listChanged = changes.removed.length > 0;
    for (const id of changes.removed) this.publishedKeys.delete(id);
    for (const x of changes.changed) {
      const key = listKey(x);
      if (this.publishedKeys.get(x.id) === key) continue;
      this.publishedKeys.set(x.id, key);
      listChanged = true;
    }
    if (transitions.length === 0 && !listChanged) return;
    // A transition carries the name its session is listed (and routed) under: a pane
    // sharing its session with another agent is `name.window.pane` there, not `name`.
    const named = transitions.map((t) => {
      const name = sessions.find((x) => x.id === t.sessionId)?.name;
      return name === undefined || name === t.name ? t : { ...t, name };
    });
    const told = this.toldChanges.next(sessions);
    for (const listener of this.listeners) {
      try {
        listener(sessions, named, told);
      } catch (err) {
        this.log.error('sessions listener failed', { err });
      }
    }
  }
}

/** What, beside a transition, makes a publish news to listeners. */
function listKey(x: Session): string {
  return `${x.agent}\t${x.command}\t${x.reason ?? ''}\t${x.detail?.message ?? ''}\t${x.detail?.dialog?.id ?? ''}\t${x.name}`;
}

function agentDialogs(agents: AgentsFile): Map<string, CompiledDialog[]> {
  return new Map(Object.entries(agents.agents).map(([name, a]) => [name, compileDialogs(a.dialogs ?? [])]));
}

/** The hook event `architect sessions clear` writes: the operator has seen the pane's error. */
export const OPERATOR_CLEAR = 'operator_clear';


export type { SessionState };
