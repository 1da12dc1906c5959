// The SLA watch's backlog summaries (sla-watcher.ts, on both engines): one alert for
// the open tasks of a type already at a level when the watch looked, which from then
// on covers each task of that type created before the level's bound at that moment.
import type { SlaFile } from '../config/schemas/sla.js';
import { toSqlTime } from '../store/time.js';
import { levelAfterMs } from './sla-watcher.js';

export const BACKLOG_KEY = 'sla-backlog';

/** What a backlog summary says. */
export function backlogMessage(tasks: number, type: string, level: string): string {
  return `${tasks} open ${type} tasks were already ${level} when the SLA watch looked (a backlog): one alert for all of them; each task's level shows in the task table`;
}

/** The backlog summaries raised so far: per type, level and rule, the moment (ms) of the newest. */
export class SlaBacklog {
  private through = new Map<string, number>();

  /** Rebuilt from the summaries' dedupe keys (`sla-backlog:<level>:<action>:<fingerprint>:<through ms>:<type>`). */
  load(keys: Iterable<string>): void {
    this.through = new Map();
    for (const key of keys) {
      const [, level = '', action = '', fingerprint = '', through = '', ...type] = key.split(':');
      const k = `${type.join(':')}\0${level}\0${action}:${fingerprint}`;
      this.through.set(k, Math.max(this.through.get(k) ?? 0, Number(through)));
    }
  }

  /** The dedupe key of a summary raised at `through` (what `load` reads back). */
  dedupeKey(type: string, level: string, ruleKey: string, through: number): string {
    return `${BACKLOG_KEY}:${level}:${ruleKey}:${through}:${type}`;
  }

  /** A summary raised at `through` covers this type, level and rule from now on. */
  add(type: string, level: string, ruleKey: string, through: number): void {
    this.through.set(`${type}\0${level}\0${ruleKey}`, through);
  }

  /** Every summary: its type, level and moment. */
  *entries(): Iterable<{ type: string; level: string; through: number }> {
    for (const [key, through] of this.through) {
      const [type = '', level = ''] = key.split('\0');
      yield { type, level, through };
    }
  }

  /** Whether a summary already covers a task of this type created then, for this level and rule. */
  covers(rules: SlaFile, type: string, level: string, ruleKey: string, createdAt: string): boolean {
    const through = this.through.get(`${type}\0${level}\0${ruleKey}`);
    if (through === undefined) return false;
    const afterMs = levelAfterMs(rules, type, level);
    return afterMs !== null && createdAt <= toSqlTime(new Date(through - afterMs));
  }
}
