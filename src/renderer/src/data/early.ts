import type { EventName } from '../../../shared/api';

// Answers asked for before the view that shows them is drawn. The Overview's panels are
// ui_config.yaml's, so they mount only once `config.ui` has answered; their reads went
// out a round trip later, behind everything else the page asks at start. Asked here as
// the page starts, they travel with `config.ui`, and each panel takes its answer when it
// mounts (useRefreshing's `early`).

/** An early answer not taken within this is dropped (the view was not opened after all). */
export const EARLY_TTL_MS = 15_000;

interface Early {
  answer: Promise<unknown>;
  /** One of the view's events came after the read was asked: the answer may be older than it. */
  changed: boolean;
  off: () => void;
  timer: ReturnType<typeof setTimeout>;
}

const early = new Map<string, Early>();

/**
 * Starts `load` now for the view that will ask `key` later. `events` are the ones the
 * view reloads on: one arriving before the view takes the answer marks it as changed, and
 * the view then shows it and reads again at once (an answer is never shown as current
 * when something it depends on moved after it was asked).
 */
export function askEarly(key: string, load: () => Promise<unknown>, events: readonly EventName[] = []): void {
  if (early.has(key)) return;
  const answer = load();
  answer.catch(() => undefined); // an unhandled rejection if nobody takes it; the view sees it otherwise
  const entry: Early = {
    answer,
    changed: false,
    off: () => undefined,
    timer: setTimeout(() => drop(key, entry), EARLY_TTL_MS),
  };
  const offs = events.map((e) => window.architect.on(e, () => (entry.changed = true)));
  entry.off = () => offs.forEach((off) => off());
  early.set(key, entry);
}

/** The answer asked early for `key`, taken once (null if none is waiting). */
export function takeEarly<T>(key: string): { answer: Promise<T>; changed: boolean } | null {
  const entry = early.get(key);
  if (!entry) return null;
  drop(key, entry);
  return { answer: entry.answer as Promise<T>, changed: entry.changed };
}

function drop(key: string, entry: Early): void {
  if (early.get(key) !== entry) return;
  early.delete(key);
  clearTimeout(entry.timer);
  entry.off();
}

/** Answers waiting to be taken (tests). */
export function earlyKeys(): string[] {
  return [...early.keys()];
}
