// Resumes an agent when its usage limit resets, for agents whose agents.yaml entry
// opts in (`resume_after_limit`). Once per limit: a session at a limit with a known
// reset time gets the configured text (default "continue") a few seconds after the
// reset, if it still shows that same limit then. Every attempt is a row in `decisions`.
import type { Session } from '../../shared/api.js';
import { silentLogger, type Logger } from '../log/logger.js';

/**
 * After the printed reset. Agents print it to the minute, and Codex 0.171 truncates:
 * a limit that resets at 9:17:48 reads "try again at 9:17 PM". A minute and a bit
 * later it has reset, whatever the seconds were.
 */
export const RESUME_GRACE_MS = 65_000;
/** setTimeout's limit; a later reset is re-armed by a later session change. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ResumeDecision {
  session: string;
  decision: 'resumed' | 'failed';
  reason: string;
  at: Date;
}

export interface LimitResumerDeps {
  /** The text to send for this agent, or null when the agent has not opted in. */
  resumeText(agent: string): string | null;
  /** Types the text into the session's pane and presses Enter; resolves with what happened. */
  send(session: Session, text: string): Promise<{ ok: boolean; reason: string }>;
  record(decision: ResumeDecision): void;
  /** The sessions now (the resumer checks the limit still holds before it types). */
  current(): readonly Session[];
  clock?: () => Date;
  logger?: Logger;
}

interface Pending {
  key: string;
  timer: NodeJS.Timeout;
}

/** The episode: the same session at the same limit (notice and reset). */
const episodeKey = (s: Session): string | null =>
  s.state === 'error' && s.detail?.kind === 'limit' && s.detail.resetAt ? `${s.id}\t${s.detail.resetAt}\t${s.detail.message ?? ''}` : null;

export class LimitResumer {
  private readonly pending = new Map<string, Pending>();
  /** Episodes already resumed (or tried): never twice. */
  private readonly done = new Set<string>();
  private readonly clock: () => Date;
  private readonly log: Logger;
  private running = true;

  constructor(private readonly deps: LimitResumerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.log = (deps.logger ?? silentLogger).child({ module: 'limit-resumer' });
  }

  /** Every published session list. */
  onSessions(sessions: readonly Session[]): void {
    if (!this.running) return;
    const live = new Set<string>();
    for (const s of sessions) {
      const key = episodeKey(s);
      const text = key ? this.deps.resumeText(s.agent) : null;
      if (!key || text === null || this.done.has(key)) continue;
      live.add(s.id);
      const p = this.pending.get(s.id);
      if (p?.key === key) continue;
      if (p) clearTimeout(p.timer);
      const due = Date.parse(s.detail!.resetAt!) + RESUME_GRACE_MS - this.clock().getTime();
      const timer = setTimeout(() => void this.fire(s.id, key, text), Math.min(Math.max(0, due), MAX_TIMER_MS));
      timer.unref?.();
      this.pending.set(s.id, { key, timer });
    }
    // A session that left its limit (resumed by hand, cleared, gone) is not resumed.
    for (const [id, p] of this.pending) {
      if (live.has(id)) continue;
      clearTimeout(p.timer);
      this.pending.delete(id);
    }
  }

  stop(): void {
    this.running = false;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  private async fire(id: string, key: string, text: string): Promise<void> {
    const p = this.pending.get(id);
    if (!this.running || p?.key !== key) return;
    const now = this.clock();
    const s = this.deps.current().find((x) => x.id === id);
    if (s && Date.parse(s.detail?.resetAt ?? '') + RESUME_GRACE_MS > now.getTime()) {
      // Woken early (a long timer is capped): wait again.
      this.pending.delete(id);
      this.onSessions(this.deps.current());
      return;
    }
    this.pending.delete(id);
    this.done.add(key);
    if (!s || episodeKey(s) !== key) return; // it moved on meanwhile
    let outcome: { ok: boolean; reason: string };
    try {
      outcome = await this.deps.send(s, text);
    } catch (err) {
      outcome = { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    const reason = `usage limit reset at ${s.detail?.resetAt ?? '?'}: ${outcome.ok ? `sent "${text}"` : `could not send "${text}": ${outcome.reason}`}`;
    this.log.info('limit resume', { session: s.name, ok: outcome.ok, reason });
    this.deps.record({ session: s.name, decision: outcome.ok ? 'resumed' : 'failed', reason, at: this.clock() });
  }
}
