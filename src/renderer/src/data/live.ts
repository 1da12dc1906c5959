import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { EventName, EventPayload } from '../../../shared/api';
import { errorMessage } from './format';

/** Bumped each time the transport reconnects, so every view reloads what it shows. */
export const ConnectionEpoch = createContext(0);

/** Coalesces bursts of events (100 tasks changing at once) into one reload. */
const EVENT_RELOAD_DELAY_MS = 150;

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
 */
export function useRefreshing<T>(
  load: () => Promise<T>,
  opts: { events?: EventName[]; refreshSeconds?: number; key?: unknown; eventDelayMs?: number } = {},
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

  useEffect(() => {
    let alive = true;
    setLoading(true);
    loadRef
      .current()
      .then((v) => alive && (setValue(v), setError(null)))
      .catch((e: unknown) => alive && setError(errorMessage(e)))
      .finally(() => alive && setLoading(false));
    return () => {
      alive = false;
    };
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

/** Re-renders every `ms` so relative times ("5 min ago") stay true. */
export function useNow(ms = 10_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
