// Agent events from settled session states: waiting (on which dialog), an error, a
// limit, an exit while holding a task. One event per episode: an agent waiting on
// the same dialog is one episode however often the screen is re-read, flickers or
// the console restarts (the episode is kept in the database).
import type { Session } from '../../shared/api.js';
import type { ScreenDialog } from '../attention/dialogs.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { AttentionMemory } from '../store/attention.js';
import { describeAgentEvent, LIMIT_REASONS, levelOf, subjectOf, type AttentionEvent, type EventSession, type EventTask } from './event.js';
import type { SettledChange, SettleTracker } from './settle.js';

export interface AgentEventsDeps {
  tracker: SettleTracker;
  memory: AttentionMemory;
  publish(event: AttentionEvent): void;
  /** The dialog on a waiting session's screen, or null (none readable, or the screen could not be read). */
  readDialog(session: Session): Promise<ScreenDialog | null>;
  task(id: number): EventTask | null;
  /** The task a session (by name) holds now, from the queue. */
  heldBy(session: string): number | null;
  projectOf(session: Session): string | null;
  /** A session settled in a state (task events wait for idle). */
  settled(change: SettledChange): void;
  logger?: Logger;
  clock?: () => Date;
}

type AgentEvent = 'agent_waiting' | 'agent_error' | 'agent_limit';

/** setTimeout's limit; a later due time is re-armed by the next session change anyway. */
const MAX_WAKE_MS = 2 ** 31 - 1;

export class AgentEvents {
  private timer: NodeJS.Timeout | null = null;
  private running = true;
  private readonly log: Logger;
  private readonly clock: () => Date;
  /** Settled changes handled one at a time, in order (a dialog read is async). */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AgentEventsDeps) {
    this.log = (deps.logger ?? silentLogger).child({ module: 'attention' });
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Every published session list. */
  onSessions(sessions: readonly Session[]): void {
    if (!this.running) return;
    for (const change of this.deps.tracker.observe(sessions, this.clock().getTime(), this.deps.heldBy)) this.enqueue(change);
    this.fire();
  }

  /** The settle time changed (a reload): due times move. */
  reschedule(): void {
    this.fire();
  }

  stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.chain;
  }

  /** Resolves when every settled change so far has been handled (tests). */
  drained(): Promise<void> {
    return this.chain;
  }

  private fire(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.running) return;
    const now = this.clock().getTime();
    for (const change of this.deps.tracker.due(now)) this.enqueue(change);
    const next = this.deps.tracker.nextDueMs();
    if (next === null) return;
    this.timer = setTimeout(() => this.fire(), Math.min(Math.max(0, next - now), MAX_WAKE_MS));
    this.timer.unref?.();
  }

  private enqueue(change: SettledChange): void {
    this.chain = this.chain.then(() => this.handle(change)).catch((err: unknown) => this.log.error('an attention event failed', { session: change.session.id, err }));
  }

  private async handle(change: SettledChange): Promise<void> {
    if (!this.running) return;
    const s = change.session;
    this.deps.settled(change);
    if (change.to === 'waiting') return this.waiting(change);
    if (change.to === 'error') {
      const event: AgentEvent = change.reason && LIMIT_REASONS.has(change.reason) ? 'agent_limit' : 'agent_error';
      // Another error (another message) is another episode; the same one re-read is not.
      const message = change.session.state === 'error' ? (change.session.detail?.message ?? '') : '';
      const fingerprint = `reason:${change.reason ?? ''}${message ? `:${message}` : ''}`;
      return this.episode(change, event, fingerprint, null, (old) => old.event === event && old.fingerprint === fingerprint);
    }
    if (change.to === 'working' || change.to === 'idle') {
      this.deps.memory.endEpisode(s.id);
      return;
    }
    if (change.to === 'exited') {
      this.deps.memory.endEpisode(s.id);
      if (change.taskId !== null) this.exitedMidTask(change, change.taskId);
    }
    // unknown: a start or a screen the rules do not read; it neither starts nor ends an episode.
  }

  private async waiting(change: SettledChange): Promise<void> {
    const dialog = await this.deps.readDialog(change.session);
    if (!this.running) return;
    const fingerprint = dialog ? `dialog:${dialog.id}` : `reason:${change.reason ?? ''}`;
    // A different dialog is a new episode; a screen that could not be read (or has no
    // readable dialog) never splits one, so a failed read cannot cause a second event.
    await this.episode(change, 'agent_waiting', fingerprint, dialog, (old) => {
      if (old.event !== 'agent_waiting') return false;
      return !(old.fingerprint.startsWith('dialog:') && fingerprint.startsWith('dialog:') && old.fingerprint !== fingerprint);
    });
  }

  private async episode(
    change: SettledChange,
    event: AgentEvent,
    fingerprint: string,
    dialog: ScreenDialog | null,
    same: (old: { event: string; fingerprint: string }) => boolean,
  ): Promise<void> {
    const s = change.session;
    const memory = this.deps.memory;
    const old = memory.episode(s.id);
    const now = this.clock();
    if (old && same(old)) {
      if (old.fingerprint !== fingerprint && fingerprint.startsWith('dialog:')) memory.startEpisode(s.id, event, fingerprint, new Date(old.startedAt));
      return;
    }
    memory.startEpisode(s.id, event, fingerprint, now);
    const taskId = change.taskId ?? this.deps.heldBy(s.name);
    const task = taskId !== null ? this.deps.task(taskId) : null;
    const session = eventSession(s, change);
    const eventDialog = dialog ? { kind: dialog.kind, question: dialog.question, options: dialog.options.filter((o) => o.offered).map((o) => o.label) } : null;
    this.deps.publish({
      event,
      key: `${event}:${s.id}:${now.getTime()}`,
      subject: subjectOf(event, s, task),
      at: now.toISOString(),
      level: levelOf(event),
      ...describeAgentEvent(event, session, { dialog: eventDialog, task }),
      session,
      task,
      dialog: eventDialog,
      reason: dialog?.kind ?? change.reason,
      project: task?.project ?? this.deps.projectOf(s),
    });
  }

  private exitedMidTask(change: SettledChange, taskId: number): void {
    const s = change.session;
    const now = this.clock();
    const task = this.deps.task(taskId);
    const session = eventSession(s, change);
    const event = 'agent_exited_mid_task' as const;
    this.deps.publish({
      event,
      key: `${event}:${s.id}:${taskId}:${now.getTime()}`,
      subject: subjectOf(event, s, task),
      at: now.toISOString(),
      level: levelOf(event),
      ...describeAgentEvent(event, session, { task: task ?? { id: taskId, title: `task #${taskId}`, type: 'unknown', project: null } }),
      session,
      task,
      dialog: null,
      reason: change.reason,
      project: task?.project ?? this.deps.projectOf(s),
    });
  }
}

function eventSession(s: Session, change: SettledChange): EventSession {
  const detail = change.to === s.state ? s.detail : null;
  return { id: s.id, name: s.name, agent: s.agent, state: change.to, reason: change.reason, message: detail?.message ?? null, resetAt: detail?.resetAt ?? null };
}
