import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAgentPrograms } from '../../src/main/demo/fleet.js';
import { screenshotBoth, startConsole, type ConsoleUnderTest } from './support/console.js';

// The console against a live pane and live config: what the operator edits or
// what an agent does shows up without a reload.

let c: ConsoleUnderTest;
let page: Page;
let paneId: string;

const card = (name: string, state?: string): string => `[data-testid="session-card"][data-session="${name}"]${state ? `[data-state="${state}"]` : ''}`;

describe('live console', () => {
  beforeAll(async () => {
    c = await startConsole({
      beforeCore: ({ tmux, dir }) => {
        const bin = path.join(dir, 'bin');
        writeAgentPrograms(bin);
        paneId = tmux.newSession('dev_worker1', [path.join(bin, 'claude')], { cwd: dir });
      },
    });
    page = await c.open();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('panels follow ui_config.yaml live: reorder and disable', async () => {
    await page.waitForSelector('[data-testid="panel-projects"]');
    const order = (): Promise<string[]> => page.$$eval('[data-testid="panels"] > section', (els) => els.map((e) => e.getAttribute('data-panel') ?? ''));
    expect(await order()).toEqual(['projects', 'tasks', 'sessions', 'errors', 'session_workload']);

    const file = path.join(c.configDir, 'base', 'ui_config.yaml');
    const text = fs.readFileSync(file, 'utf8');
    // sessions first (order 0), errors disabled.
    const edited = text
      .replace(/(id: "sessions"[\s\S]*?order: )3/, '$10')
      .replace(/(id: "errors"[\s\S]*?enabled: )true/, '$1false');
    expect(edited).not.toBe(text);
    fs.writeFileSync(file, edited);
    await page.waitForFunction(() => document.querySelector('[data-testid="panels"] > section')?.getAttribute('data-panel') === 'sessions');
    expect(await order()).toEqual(['sessions', 'projects', 'tasks', 'session_workload']);
    expect(await page.locator('[data-testid="panel-errors"]').count()).toBe(0);

    fs.writeFileSync(file, text);
    await page.waitForSelector('[data-testid="panel-errors"]');
    expect(await order()).toEqual(['projects', 'tasks', 'sessions', 'errors', 'session_workload']);
  });

  it('a pane state change appears without a reload', async () => {
    await page.click('[data-testid="nav-sessions"]');
    await page.waitForSelector(card('dev_worker1', 'idle'));
    // Survives only if the page is never reloaded.
    await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
    c.tmux.run('send-keys', '-t', paneId, '-l', 'refactor the parser');
    c.tmux.run('send-keys', '-t', paneId, 'Enter');
    await page.waitForSelector(card('dev_worker1', 'working'));
    await page.waitForSelector(card('dev_worker1', 'idle'), { timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
  });

  it('terminal input reaches the pane', async () => {
    await page.click(card('dev_worker1'));
    await page.waitForSelector('[data-testid="terminal-status"]:has-text("live")');
    await page.click('[data-testid="terminal"]');
    await page.keyboard.type('typed in the browser');
    const deadline = Date.now() + 10_000;
    let screen = '';
    while (Date.now() < deadline && !screen.includes('❯ typed in the browser')) {
      screen = c.tmux.run('capture-pane', '-p', '-t', paneId);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(screen).toContain('❯ typed in the browser');
    // And the pane's own output comes back into xterm.
    await page.waitForFunction(() => document.querySelector('[data-testid="terminal"]')?.textContent?.includes('typed in the browser'));
  });

  it('the config editor shows a YAML error inline and refuses the save', async () => {
    const file = path.join(c.configDir, 'base', 'ui_config.yaml');
    const before = fs.readFileSync(file, 'utf8');
    await page.goto(page.url().replace(/#.*$/, '') + '#/config/base%2Fui_config.yaml');
    await page.waitForSelector('.cm-content');
    await page.click('.cm-content');
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('page_sise: 10\n');
    await page.waitForSelector('.cm-lintRange-error');
    await page.waitForSelector('[data-testid="config-problems"]');
    expect(await page.textContent('[data-testid="config-problems"]')).toMatch(/page_sise/);
    await page.click('[data-testid="config-save"]');
    await page.waitForSelector('[data-testid="config-save-message"]:has-text("Not saved")');
    await page.waitForSelector('[data-testid="config-force-save"]');
    await page.click('[data-testid="config-dirty"]');
    expect(await page.textContent('[data-testid="config-diff"]')).toContain('+ page_sise: 10');
    await screenshotBoth(page, 'config-error');
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('an alert appears as banner and toast, and is acknowledged', async () => {
    const store = c.store();
    const id = Number(
      store.writer.prepare(`INSERT INTO notifications(kind, level, message, channels) VALUES ('sla_breach', 'critical', 'Task 7 is past its SLA (130%)', '["dashboard"]')`).run().lastInsertRowid,
    );
    // What the escalation engine does after writing the row.
    c.core.bus.emit('alerts.changed', {
      open: 1,
      latest: { id, taskId: null, kind: 'sla_breach', level: 'critical', message: 'Task 7 is past its SLA (130%)', channels: ['dashboard'], createdAt: new Date().toISOString(), acknowledgedAt: null },
    });
    await page.waitForSelector('[data-testid="alert-banner"]:has-text("past its SLA")');
    await page.waitForSelector('[data-testid="alert-toast"]:has-text("past its SLA")');
    expect(await page.textContent('[data-testid="fleet-alerts"]')).toBe('1');
    await screenshotBoth(page, 'alert');
    await page.click('[data-testid="alert-ack"]');
    await page.waitForSelector('[data-testid="alert-banner"]', { state: 'detached' });
    const row = store.reader.prepare('SELECT acknowledged_at FROM notifications WHERE id = ?').get(id) as { acknowledged_at: string | null };
    expect(row.acknowledged_at).not.toBeNull();
    await page.click('[data-testid="nav-alerts"]');
    await page.waitForSelector('[data-testid="alert-row"]:has-text("past its SLA")');
  });
});
