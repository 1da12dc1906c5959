import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskService } from '../../src/main/tasks/service.js';
import { startConsole, type ConsoleUnderTest } from './support/console.js';

// Hold and Release in the task view (issue 14), in a real Chromium on the real
// console: a held task is blocked with the operator's reason, in the page and in the
// database, and released it is queued again — or still blocked while it waits on
// another task, saying on which.

let c: ConsoleUnderTest;
let page: Page;
let plain: number;
let first: number;
let waiting: number;

interface Row {
  status: string;
  hold_reason: string | null;
  status_reason: string | null;
}

const row = (id: number): Row => c.store().reader.prepare('SELECT status, hold_reason, status_reason FROM tasks WHERE id = ?').get(id) as Row;
const history = (id: number): Array<{ from_status: string | null; to_status: string; reason: string | null }> =>
  c.store().reader.prepare('SELECT from_status, to_status, reason FROM task_events WHERE task_id = ? ORDER BY id').all(id) as Array<{ from_status: string | null; to_status: string; reason: string | null }>;

async function openTask(id: number): Promise<void> {
  await page.goto(page.url().replace(/#.*$/, '') + `#/tasks/${id}`);
  await page.waitForSelector(`[data-testid="task-view"][aria-label="Task ${id}"] [data-testid="task-title"]`);
}

describe('task view: Hold and Release', () => {
  beforeAll(async () => {
    c = await startConsole({
      // No agent runs on the console's tmux server: queued tasks stay pending.
      seed: (store) => {
        const core = new TaskService({ store, config: () => null });
        plain = core.create({ type: 'bug_fix', title: 'Hold me', prompt: 'p' }).id;
        first = core.create({ type: 'bug_fix', title: 'Goes first', prompt: 'p' }).id;
        waiting = core.create({ type: 'docs', title: 'Waits on the first', prompt: 'p', dependsOn: [first] }).id;
      },
    });
    page = await c.open({ hash: `#/tasks/${plain}`, height: 900 });
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('holds a queued task (blocked, with the reason) and releases it (pending again)', async () => {
    await openTask(plain);
    await page.waitForSelector('[data-testid="task-view"] [data-status="pending"]');
    expect(await page.locator('[data-testid="task-release"]').count()).toBe(0);

    await page.click('[data-testid="task-hold"]');
    await page.waitForSelector('[data-testid="task-view"] h2 [data-status="blocked"]');
    expect(await page.textContent('[data-testid="task-status-reason"]')).toBe('held by the operator: held from the console');
    expect(await page.locator('[data-testid="task-hold"]').count()).toBe(0);
    expect(row(plain)).toEqual({ status: 'blocked', hold_reason: 'held from the console', status_reason: 'held by the operator: held from the console' });

    await page.click('[data-testid="task-release"]');
    await page.waitForSelector('[data-testid="task-view"] h2 [data-status="pending"]');
    expect(await page.locator('[data-testid="task-status-reason"]').count()).toBe(0);
    expect(await page.locator('[data-testid="task-release"]').count()).toBe(0);
    expect(await page.locator('[data-testid="task-hold"]').count()).toBe(1);
    expect(row(plain)).toMatchObject({ status: 'pending', hold_reason: null });
    expect(history(plain).map((e) => [e.from_status, e.to_status, e.reason])).toEqual([
      ['pending', 'blocked', 'held by the operator: held from the console'],
      ['blocked', 'pending', 'unblocked: released by the operator'],
    ]);
  });

  it('a held task that also waits on another stays blocked after Release, saying on which', async () => {
    await openTask(waiting);
    await page.waitForSelector('[data-testid="task-view"] h2 [data-status="blocked"]');
    expect(await page.textContent('[data-testid="task-depends-on"]')).toContain(`#${first}`);

    await page.click('[data-testid="task-hold"]');
    await page.waitForSelector('[data-testid="task-release"]');
    expect(await page.textContent('[data-testid="task-status-reason"]')).toBe('held by the operator: held from the console');
    expect(row(waiting)).toMatchObject({ status: 'blocked', hold_reason: 'held from the console' });

    await page.click('[data-testid="task-release"]');
    await page.waitForSelector('[data-testid="task-hold"]');
    expect(await page.textContent('[data-testid="task-status-reason"]')).toBe(`blocked: waiting on task ${first} to complete (depends_on)`);
    expect(row(waiting)).toEqual({ status: 'blocked', hold_reason: null, status_reason: `blocked: waiting on task ${first} to complete (depends_on)` });
  });
});
