import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { EventName, EventPayload } from '../../../shared/api';
import { takeEarly } from './early';
import { errorMessage } from './format';

/** Bumped each time the transport reconnects, so every view reloads what it shows. */
export const ConnectionEpoch = createContext(0);

/** Coalesces bursts of events (100 tasks changing at once) into one reload. */
const EVENT_RELOAD_DELAY_MS = 150;

/**
 * Named queries (the Overview's aggregates, config tables) refresh at most this often on
 * changes: a busy queue changes every second, and a table reloaded 150 ms after each
 * change kept a query reader busy back to back (the control console bench:
 * session_workload 69 calls a minute at ~670 ms, stats_dashboard over HTTP waiting
 * behind it, p99 1.6–1.9 s).
 */
export const AGGREGATE_EVENT_DELAY_MS = 5_000;

/**
 * Loads a value with `load`, then keeps it current from a contract event. Reloads
 * when `reloadKey` changes or the transport reconnects.
 */
export function useLive<T, E extends EventName>(
  load: () => Promise<T>,
  event: E,
  fromEvent: (payload: EventPayload<E>, previous: T | null) => T,
  reloadKey: unknown = 0,
): { value: T | null; error: string | null } {
  const epoch = useContext(ConnectionEpoch);
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    load()
      .then((v) => alive && (setValue(v), setError(null)))
      .catch((e: unknown) => alive && setError(errorMessage(e)));
    const off = window.architect.on(event, (payload) => {
      if (alive) setValue((prev) => fromEvent(payload, prev));
    });
    return () => {
      alive = false;
      off();
    };
    // load/fromEvent are new closures each render; the subscription follows the event and keys only.
  }, [event, reloadKey, epoch]);
  return { value, error };
}

export interface Refreshing<T> {
  value: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads a value, and loads it again whenever one of `events` arrives (debounced),
 * every `refreshSeconds` when nothing was pushed, on reconnect, and when `key` changes.
 * `early`: the key under which the page may have asked the first load before this view
 * mounted (data/early.ts); the first load takes that answer instead of asking again, and
 * reads again at once if one of the view's events came after it was asked.
 */
export function useRefreshing<T>(
  load: () => Promise<T>,
  opts: { events?: EventName[]; refreshSeconds?: number; key?: unknown; eventDelayMs?: number; early?: string } = {},
): Refreshing<T> {
  const epoch = useContext(ConnectionEpoch);
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const events = (opts.events ?? []).join(',');
  // At most one reload per delay however many events arrive: heavy aggregates pass a longer one.
  const delayMs = opts.eventDelayMs ?? EVENT_RELOAD_DELAY_MS;

  // One load in flight at a time. A reload asked for meanwhile (a tick: an event, the
  // interval) runs when it settles, and the settled load's value is still shown: it is
  // newer than what is on screen. Restarting instead, and dropping the answer, starved
  // a heavy aggregate whose load outlasts the refresh interval — on a big queue the
  // Overview's SLA chart never drew. Only a new key or a reconnect makes an answer
  // stale (it was asked of another key or connection).
  const flight = useRef({ running: false, again: false, mounted: true, earlyTried: false, asked: { epoch, key: opts.key as unknown } });
  const runRef = useRef<() => void>(() => undefined);
  runRef.current = () => {
    const f = flight.current;
    if (f.running) {
      f.again = true;
      return;
    }
    f.running = true;
    f.again = false;
    const asked = f.asked;
    const current = (): boolean => f.mounted && f.asked === asked;
    setLoading(true);
    const taken = !f.earlyTried && opts.early !== undefined ? takeEarly<T>(opts.early) : null;
    f.earlyTried = true;
    if (taken?.changed) f.again = true;
    (taken ? taken.answer : loadRef.current())
      .then((v) => current() && (setValue(v), setError(null)))
      .catch((e: unknown) => current() && setError(errorMessage(e)))
      .finally(() => {
        f.running = false;
        if (!f.mounted) return;
        if (f.again || f.asked !== asked) runRef.current();
        else setLoading(false);
      });
  };

  useEffect(() => {
    const f = flight.current;
    f.mounted = true;
    return () => {
      f.mounted = false;
    };
  }, []);

  useEffect(() => {
    const f = flight.current;
    if (f.asked.epoch !== epoch || f.asked.key !== opts.key) f.asked = { epoch, key: opts.key };
    runRef.current();
  }, [tick, epoch, opts.key]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const schedule = (): void => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        setTick((n) => n + 1);
      }, delayMs);
    };
    const offs = events ? events.split(',').map((e) => window.architect.on(e as EventName, schedule)) : [];
    const interval = opts.refreshSeconds && opts.refreshSeconds > 0 ? setInterval(() => setTick((n) => n + 1), opts.refreshSeconds * 1000) : null;
    return () => {
      offs.forEach((off) => off());
      if (timer) clearTimeout(timer);
      if (interval) clearInterval(interval);
    };
  }, [events, opts.refreshSeconds, delayMs]);

  return { value, error, loading, reload: () => setTick((n) => n + 1) };
}

/**
 * One timer per period, shared by every clock of that period: they all move in the same
 * task, so React renders them together and the browser lays the page out once. Each
 * relative time ("for 3 min") had a timer of its own, started when it was first drawn;
 * with 100 agents on screen the page was re-rendered and laid out ~20 times a second
 * (the console bench: the browser showing the Overview took ~35 % of a core).
 */
const clocks = new Map<number, { listeners: Set<(now: Date) => void>; timer: ReturnType<typeof setInterval> }>();

function subscribeClock(ms: number, listener: (now: Date) => void): () => void {
  let clock = clocks.get(ms);
  if (!clock) {
    const listeners = new Set<(now: Date) => void>();
    clock = {
      listeners,
      timer: setInterval(() => {
        const now = new Date();
        for (const l of listeners) l(now);
      }, ms),
    };
    clocks.set(ms, clock);
  }
  clock.listeners.add(listener);
  const own = clock;
  return () => {
    own.listeners.delete(listener);
    if (own.listeners.size === 0) {
      clearInterval(own.timer);
      clocks.delete(ms);
    }
  };
}

/** Re-renders every `ms` so relative times ("5 min ago") stay true (with every other clock of that period at once). */
export function useNow(ms = 10_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => subscribeClock(ms, setNow), [ms]);
  return now;
}
