import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAgentPrograms } from '../../src/main/demo/fleet.js';
import { startConsole, type ConsoleUnderTest } from './support/console.js';

// The Overview left open all day must not keep the browser busy: it draws again what
// changed, not the whole page on every change of the fleet. Under the console bench's
// load (100 agents) the browser showing it took ~27–35 % of a core: every relative time
// had a timer of its own (a render and a layout each, ~20 a second), and every change
// of the fleet redrew every agent's strip of the state timeline.

const AGENTS = ['dev_worker1', 'dev_worker2', 'dev_worker3', 'dev_worker4', 'dev_worker5'];

let c: ConsoleUnderTest;
let page: Page;
const panes = new Map<string, string>();

describe('the Overview draws only what changed', () => {
  beforeAll(async () => {
    c = await startConsole({
      beforeCore: ({ tmux, dir }) => {
        const bin = path.join(dir, 'bin');
        writeAgentPrograms(bin);
        for (const name of AGENTS) panes.set(name, tmux.newSession(name, [path.join(bin, 'claude')], { cwd: dir }));
      },
    });
    page = await c.open();
    // The page's interval timers, by period (counted from its first script on).
    await page.addInitScript(() => {
      const periods = new Map<number, number>();
      const set = window.setInterval.bind(window);
      const clear = window.clearInterval.bind(window);
      Object.assign(window, { __intervals: periods });
      window.setInterval = ((fn: TimerHandler, ms?: number, ...args: unknown[]) => {
        const id = set(fn, ms, ...args);
        periods.set(id, ms ?? 0);
        return id;
      }) as typeof window.setInterval;
      window.clearInterval = ((id?: number) => {
        if (id !== undefined) periods.delete(id);
        clear(id);
      }) as typeof window.clearInterval;
    });
    await page.reload();
    await page.waitForSelector('[data-testid="connection"]:has-text("live")');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="timeline-row"]').length === n, AGENTS.length, { timeout: 20_000 });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="overview-session"] time').length === n, AGENTS.length);
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('every "for 3 min" on the page moves with one shared timer', async () => {
    const periods = await page.evaluate(() => [...(window as unknown as { __intervals: Map<number, number> }).__intervals.values()]);
    // Five agents' "for …" move every 5 s: one timer for all of them (beside the
    // timeline's own 5-s reload), not one each.
    const times = await page.locator('[data-testid="overview-session"] time').count();
    expect(times).toBe(AGENTS.length);
    expect(periods.filter((ms) => ms === 5_000)).toHaveLength(2);
  });

  it("one agent's state change redraws its own strip of the timeline, not the others'", async () => {
    const rows = await page.$$eval('[data-testid="timeline-row"] .timeline-label', (els) => els.map((e) => e.textContent ?? ''));
    expect(rows).toEqual(AGENTS);
    const strips = (): Promise<number[]> => page.$$eval('[data-testid="timeline-row"] svg', (els) => els.map((e) => e.querySelectorAll('rect').length));
    const grows = (i: number, more: number, was: number): Promise<unknown> =>
      page.waitForFunction(([row, n]) => (document.querySelectorAll('[data-testid="timeline-row"] svg')[row!]?.querySelectorAll('rect').length ?? 0) >= n!, [i, was + more], { timeout: 20_000 });
    /** A prompt to the agent: its strip gains a working segment (and, with `done`, the idle one after its 3–8 s of work). */
    const flip = async (name: string, done = false): Promise<void> => {
      const i = AGENTS.indexOf(name);
      const was = (await strips())[i]!;
      c.tmux.run('send-keys', '-t', panes.get(name)!, '-l', 'refactor the parser');
      c.tmux.run('send-keys', '-t', panes.get(name)!, 'Enter');
      await grows(i, 1, was);
      if (done) await grows(i, 2, was);
    };
    // The window ends on a whole minute after the latest transition: it moves (every strip
    // with it) when a transition falls in a new minute. So: early in a minute, one agent's
    // transition moves it to the minute's end first; the one watched then falls inside.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 15_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 500));
    const minute = Math.floor(Date.now() / 60_000);
    await flip('dev_worker1', true); // and back to idle: nothing of it changes while the test watches
    await page.evaluate(() => {
      const changed = new Set<string>();
      Object.assign(window, { __changedRows: changed });
      new MutationObserver((records) => {
        for (const r of records) {
          const row = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('[data-testid="timeline-row"]');
          if (row) changed.add(row.querySelector('.timeline-label')?.textContent ?? '?');
        }
      }).observe(document.querySelector('[data-testid="state-timeline"]')!, { subtree: true, attributes: true, childList: true, characterData: true });
    });
    const before = await strips();
    await flip('dev_worker3');
    const after = await strips();
    expect(after.filter((_, i) => i !== 2)).toEqual(before.filter((_, i) => i !== 2));
    expect(Math.floor(Date.now() / 60_000)).toBe(minute); // the window did not move meanwhile
    expect(await page.evaluate(() => [...(window as unknown as { __changedRows: Set<string> }).__changedRows])).toEqual(['dev_worker3']);
  }, 90_000);
});
