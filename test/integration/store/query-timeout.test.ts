import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueriesFile } from '../../../src/main/config/schemas/queries.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { QueryService } from '../../../src/main/queries/service.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';

// A named query past its timeout is really stopped (nothing keeps burning a core),
// fails alone (what waits behind it or runs beside it goes on), and a heavy query
// never makes a light one wait.

const FOREVER = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) AS n FROM c';

let store: Store;
let remove: () => void;
let service: QueryService;
beforeEach(() => {
  ({ store, remove } = tempStore());
});
afterEach(async () => {
  await service?.close();
  remove();
});

function load(s: QueryService, timeoutMs: number): void {
  expect(s.load(QueriesFile.parse({
    version: '1',
    queries: {
      forever: { sql: FOREVER, timeout_ms: timeoutMs },
      light: { sql: 'SELECT COUNT(*) AS n FROM tasks' },
    },
  }))).toEqual([]);
}

/** CPU seconds this process and every process under it used in `ms` (Linux /proc). */
async function cpuOfTree(ms: number): Promise<number> {
  const ticks = (): number => {
    let total = 0;
    const walk = (pid: number): void => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += Number(fields[11]) + Number(fields[12]); // utime + stime
        for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
          for (const child of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(' ').filter(Boolean)) walk(Number(child));
        }
      } catch {
        // gone meanwhile
      }
    };
    walk(process.pid);
    return total;
  };
  const before = ticks();
  await new Promise((r) => setTimeout(r, ms));
  return (ticks() - before) / 100; // USER_HZ
}

describe('query timeouts', () => {
  it('a timed-out query is stopped: nothing goes on running it', async () => {
    service = new QueryService(store, { logger: silentLogger });
    load(service, 300);
    await expect(service.run('forever')).rejects.toThrow(/ran longer than 300 ms and was stopped/);
    await new Promise((r) => setTimeout(r, 300));
    expect(await cpuOfTree(1500)).toBeLessThan(0.5);
  });

  it('queries waiting behind a timed-out one still get their answer', async () => {
    service = new QueryService(store, { logger: silentLogger, readers: 1 });
    load(service, 500);
    store.tasks.add({ type: 'a', title: 't' });
    const heavy = service.run('forever');
    const light = [service.run('light'), service.run('light'), service.run('light')];
    await expect(heavy).rejects.toThrow(/was stopped/);
    for (const r of await Promise.all(light)) expect(r.results).toEqual([{ n: 1 }]);
  });

  it('a heavy query does not make a light one wait', async () => {
    service = new QueryService(store, { logger: silentLogger });
    load(service, 4_000);
    let heavyDone = false;
    const heavy = service.run('forever').catch(() => undefined).finally(() => (heavyDone = true));
    await new Promise((r) => setTimeout(r, 100));
    const light = await service.run('light');
    expect(light.results).toEqual([{ n: 0 }]);
    expect(heavyDone).toBe(false);
    await heavy;
  });

  it('a light query does not wait behind queries not yet known to be slow that hold every reader: one more reader takes it', async () => {
    service = new QueryService(store, { logger: silentLogger, readers: 2 });
    load(service, 3_000);
    // Neither run has been timed: both are taken as light, and they hold both readers.
    const done: string[] = [];
    const slow = [1, 2].map((i) => service.run('forever').catch(() => undefined).finally(() => done.push(`forever ${i}`)));
    await new Promise((r) => setTimeout(r, 100));
    expect((await service.run('light')).results).toEqual([{ n: 0 }]);
    done.push('light');
    await Promise.all(slow);
    expect(done[0]).toBe('light');
    // At most one reader beyond the pool's size.
    expect((service as unknown as { readers: { pids(): number[] } }).readers.pids().length).toBeLessThanOrEqual(3);
  });

  it('queries slower than the heavy mark share one reader: the last stays for a quick one', async () => {
    service = new QueryService(store, { logger: silentLogger, readers: 2, heavyMs: 2 });
    expect(service.load(QueriesFile.parse({
      version: '1',
      queries: {
        // Tens of ms: like the Overview's aggregates on the 1M seed (never near a timeout).
        medium: { sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT COUNT(*) AS n FROM c' },
        light: { sql: 'SELECT COUNT(*) AS n FROM tasks' },
      },
    }))).toEqual([]);
    await service.warm(); // both readers up: nothing below waits for a process to start
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push((await service.run('medium')).sqlMs!);
    expect(Math.min(...runs)).toBeGreaterThan(2); // known heavy now
    const order: string[] = [];
    const mediums = [1, 2].map((i) => service.run('medium').then(() => order.push(`medium ${i}`)));
    const light = service.run('light').then((r) => {
      order.push('light');
      return r;
    });
    // It ran at once on the reader the second medium query may not take, not after either.
    expect((await light).ms).toBeLessThan(Math.min(...runs));
    await Promise.all(mediums);
    expect(order).toEqual(['light', 'medium 1', 'medium 2']);
    expect((service as unknown as { readers: { pids(): number[] } }).readers.pids()).toHaveLength(2); // no extra reader was needed
  });

  it('one run alone makes a query heavy only over the slow mark (50 ms); from two runs on, the heavy mark counts', async () => {
    // A heavy mark of 0 ms: every run is over it, as a light query's first run in a fresh
    // reader was over 10 ms on a loaded CI machine.
    service = new QueryService(store, { logger: silentLogger, readers: 2, heavyMs: 0 });
    load(service, 1_000);
    await service.warm();
    await expect(service.run('forever')).rejects.toThrow(/was stopped/); // heavy from now on: it timed out
    await service.run('light'); // one run, under 50 ms
    load(service, 3_000);
    const holdOne = (): { done: () => boolean; settled: Promise<unknown> } => {
      let done = false;
      const settled = service.run('forever').catch(() => undefined).finally(() => (done = true));
      return { done: () => done, settled };
    };
    const first = holdOne();
    await new Promise((r) => setTimeout(r, 100));
    expect((await service.run('light')).results).toEqual([{ n: 0 }]); // the last free reader, at once
    expect(first.done()).toBe(false);
    await first.settled;
    // Two runs now, both over the mark: heavy, so it waits for the reader `forever` holds.
    const second = holdOne();
    await new Promise((r) => setTimeout(r, 100));
    expect((await service.run('light')).results).toEqual([{ n: 0 }]);
    expect(second.done()).toBe(true);
  });

  it('one slow run of a light query (a load spike) does not make it wait behind a heavy one', async () => {
    service = new QueryService(store, { logger: silentLogger, readers: 2 });
    expect(service.load(QueriesFile.parse({
      version: '1',
      queries: {
        forever: { sql: FOREVER, timeout_ms: 300 },
        // A cross join: instant on an empty table, slow on a few thousand rows (the
        // 27M-row spike took over the default 5 s on a machine at load 25: no timeout here).
        spiky: { sql: 'SELECT COUNT(*) AS n FROM tasks a, tasks b, tasks c', timeout_ms: 120_000 },
      },
    }))).toEqual([]);
    await expect(service.run('forever')).rejects.toThrow(/was stopped/); // known heavy from now on
    await service.run('spiky');
    await service.run('spiky');
    store.transaction(() => {
      for (let i = 0; i < 300; i++) store.tasks.add({ type: 'a', title: `t${i}` });
    });
    expect((await service.run('spiky')).results).toEqual([{ n: 300 ** 3 }]);
    expect(service.statsOf('spiky').maxMs).toBeGreaterThan(50); // the spike
    store.writer.exec('DELETE FROM tasks');

    expect(service.load(QueriesFile.parse({
      version: '1',
      queries: { forever: { sql: FOREVER, timeout_ms: 4_000 }, spiky: { sql: 'SELECT COUNT(*) AS n FROM tasks a, tasks b, tasks c' } },
    }))).toEqual([]);
    let heavyDone = false;
    const heavy = service.run('forever').catch(() => undefined).finally(() => (heavyDone = true));
    await new Promise((r) => setTimeout(r, 100));
    expect((await service.run('spiky')).results).toEqual([{ n: 0 }]);
    expect(heavyDone).toBe(false);
    await heavy;
  });

  it('a light query that once waited behind heavy ones is still light (its own run time counts, not the wait)', async () => {
    service = new QueryService(store, { logger: silentLogger, readers: 2 });
    load(service, 1_000);
    // Both readers busy with `forever` (not yet known as heavy): `light` waits ~1 s for one.
    const first = [service.run('forever').catch(() => undefined), service.run('forever').catch(() => undefined)];
    await new Promise((r) => setTimeout(r, 100));
    expect((await service.run('light')).results).toEqual([{ n: 0 }]);
    await Promise.all(first);
    // Now `forever` is heavy (it timed out); `light` still gets the reader it leaves free.
    load(service, 4_000);
    let heavyDone = false;
    const heavy = service.run('forever').catch(() => undefined).finally(() => (heavyDone = true));
    await new Promise((r) => setTimeout(r, 100));
    expect((await service.run('light')).results).toEqual([{ n: 0 }]);
    expect(heavyDone).toBe(false);
    await heavy;
  });
});

describe('warm-up', () => {
  it('starts every reader before any query, and the first query then takes a ready one (no new process)', async () => {
    service = new QueryService(store, { logger: silentLogger, readers: 2 });
    load(service, 5_000);
    const pids = (): number[] => (service as unknown as { readers: { pids(): number[] } }).readers.pids();
    expect(pids()).toEqual([]);
    await service.warm();
    const warmed = pids();
    expect(warmed).toHaveLength(2);
    expect((await service.run('light')).results).toEqual([{ n: 0 }]);
    expect(pids()).toEqual(warmed);
  });
});
