import { useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { CommandInput, TaskCounts, TaskRow } from '../../../shared/api';
import { errorMessage } from '../data/format';
import { ConnectionEpoch } from '../data/live';

export type TaskQuery = Omit<NonNullable<CommandInput<'tasks.list'>>, 'limit' | 'offset'>;

/** Don't refetch on every `tasks.changed` of a busy queue: at most this often. */
const CHANGE_REFETCH_MS = 500;

export interface TaskWindow {
  total: number | null;
  counts: TaskCounts | null;
  error: string | null;
  /** The row at an index, or undefined while its block loads. */
  row(index: number): TaskRow | undefined;
  /** Tell the window which rows are on screen; it fetches the blocks they fall in. */
  show(first: number, last: number): void;
  /** Bumps when rows arrive, so the table re-renders. */
  version: number;
}

/**
 * The tasks table's data: the server sorts, filters and searches; the page holds
 * only the blocks of `blockSize` rows that have been on screen, so 100,000 or
 * 1,000,000 tasks cost the same.
 */
export function useTaskWindow(query: TaskQuery, blockSize: number): TaskWindow {
  const epoch = useContext(ConnectionEpoch);
  const key = JSON.stringify(query);
  const blocks = useRef(new Map<number, TaskRow[]>());
  const inflight = useRef(new Set<number>());
  const visible = useRef<[number, number]>([0, 0]);
  const generation = useRef(0);
  const [total, setTotal] = useState<number | null>(null);
  const [counts, setCounts] = useState<TaskCounts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  const fetchBlock = useCallback(
    (block: number, force = false) => {
      if (inflight.current.has(block) || (!force && blocks.current.has(block))) return;
      const gen = generation.current;
      inflight.current.add(block);
      window.architect.tasks
        .list({ ...query, limit: blockSize, offset: block * blockSize })
        .then((r) => {
          if (gen !== generation.current) return;
          blocks.current.set(block, r.tasks);
          setTotal(r.total);
          setCounts(r.counts);
          setError(null);
          setVersion((v) => v + 1);
        })
        .catch((e: unknown) => gen === generation.current && setError(errorMessage(e)))
        .finally(() => inflight.current.delete(block));
    },
    // query is captured through key
    [key, blockSize],
  );

  const fetchVisible = useCallback(
    (force: boolean) => {
      const [first, last] = visible.current;
      for (let b = Math.floor(first / blockSize); b <= Math.floor(Math.max(first, last) / blockSize); b++) fetchBlock(b, force);
    },
    [fetchBlock, blockSize],
  );

  // A new query (sort, search, filter) starts from an empty window.
  useEffect(() => {
    generation.current++;
    blocks.current = new Map();
    inflight.current = new Set();
    setTotal(null);
    fetchVisible(true);
  }, [key, blockSize, epoch, fetchVisible]);

  // When the queue changes, refresh what is on screen and drop the rest: the
  // positions of unseen rows may have shifted.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = window.architect.on('tasks.changed', () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        const [first, last] = visible.current;
        const keep = new Set<number>();
        for (let b = Math.floor(first / blockSize); b <= Math.floor(last / blockSize); b++) keep.add(b);
        for (const b of [...blocks.current.keys()]) if (!keep.has(b)) blocks.current.delete(b);
        generation.current++;
        inflight.current = new Set();
        fetchVisible(true);
      }, CHANGE_REFETCH_MS);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [fetchVisible, blockSize]);

  return {
    total,
    counts,
    error,
    version,
    row: (index) => blocks.current.get(Math.floor(index / blockSize))?.[index % blockSize],
    show: (first, last) => {
      visible.current = [first, last];
      fetchVisible(false);
    },
  };
}
