// The web console's attention features in Chromium, against the real core and a
// scripted agent in a private tmux server: a desktop notification (the browser's
// Notification API, permission granted) for an agent going to approval whose click
// opens that session; the unread mark, the window title and its clearing; the inbox
// answering the dialog with a click.
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotBoth, startConsole, type ConsoleUnderTest } from './support/console.js';

const DIALOG_AGENT = path.resolve(import.meta.dirname, '../support/dialog-agent.mjs');
const NOTIFICATIONS = `version: "1.0"
rules:
  - on: [agent_waiting, agent_error, task_completed]
    channels: [desktop]
`;

declare global {
  interface Window {
    shownNotifications: Notification[];
  }
}

let c: ConsoleUnderTest;
let context: BrowserContext;
let page: Page;
let control = '';
let answers = '';
const cue = (screen: string) => fs.appendFileSync(control, `${screen}\n`);

describe('attention in the web console', () => {
  beforeAll(async () => {
    c = await startConsole({
      beforeCore: ({ tmux, dir, configDir }) => {
        fs.writeFileSync(path.join(configDir, 'base', 'notifications.yaml'), NOTIFICATIONS);
        const claude = path.join(dir, 'bin', 'claude');
        fs.mkdirSync(path.dirname(claude), { recursive: true });
        fs.copyFileSync(DIALOG_AGENT, claude);
        fs.chmodSync(claude, 0o755);
        control = path.join(dir, 'dev_worker1.control');
        answers = path.join(dir, 'dev_worker1.answers');
        fs.writeFileSync(control, '');
        tmux.newSession('dev_worker1', [claude, control, answers], { cwd: dir });
      },
    });
    context = await c.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['notifications'], { origin: new URL(c.server.url).origin });
    // Records each notification the page creates (a headless browser shows none on screen).
    // The permission reads as the context granted it: the packaged Chromium is a headless
    // shell with no notification service, which answers 'denied' whatever was granted
    // (Debian's Chromium answers 'granted'); what is tested is the page's side.
    await context.addInitScript(() => {
      const Real = window.Notification;
      window.shownNotifications = [];
      class Recorded extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          window.shownNotifications.push(this);
        }
      }
      Object.defineProperty(Recorded, 'permission', { get: () => 'granted' });
      Object.defineProperty(Recorded, 'requestPermission', { value: Real.requestPermission.bind(Real) });
      window.Notification = Recorded as typeof Notification;
    });
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    await page.goto(c.server.loginUrl + '#/overview');
    await page.waitForSelector('[data-testid="connection"]:has-text("live")');
    await page.waitForSelector('[data-testid="nav-sessions"]');
  });
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await c?.stop();
  });

  it('shows a desktop notification for agent_waiting; clicking it opens that session', async () => {
    await page.waitForFunction(() => document.title === 'Architect');
    cue('approval');
    await page.waitForFunction(() => window.shownNotifications.some((n) => n.title.includes('dev_worker1')), undefined, { timeout: 15_000 });
    const shown = await page.evaluate(() => window.shownNotifications.map((n) => ({ title: n.title, body: n.body })));
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe('dev_worker1 waits for approval');
    expect(shown[0]!.body).toContain('Do you want to proceed?');
    expect(await page.evaluate(() => location.hash)).toBe('#/overview');

    await page.evaluate(() => window.shownNotifications[0]!.dispatchEvent(new Event('click')));
    await page.waitForSelector('[data-testid="page-session"]');
    const sessions = (await (await fetch(new URL('/api/attention/inbox', c.server.url), { headers: { 'x-architect-token': c.server.token } })).json()) as { items: Array<{ sessionId: string }> };
    expect(decodeURIComponent((await page.evaluate(() => location.hash)).replace('#/sessions/', ''))).toBe(sessions.items[0]!.sessionId);
  });

  it('marks the session unread until it is opened: sidebar count, card badge, window title', async () => {
    await page.goto(new URL('/#/attention', c.server.url).toString());
    // Opening the session above cleared the mark; a new event marks it again.
    cue('working');
    await page.waitForFunction(() => document.querySelector('[data-testid="nav-attention-count"]') === null);
    cue('error');
    await page.waitForSelector('[data-testid="nav-sessions-count"]:has-text("1")', { timeout: 15_000 });
    await page.waitForFunction(() => document.title === '(1) Architect');
    await page.click('[data-testid="nav-sessions"]');
    await page.waitForSelector('[data-testid="session-card"][data-session="dev_worker1"] [data-testid="session-unread"]');
    await page.click('[data-testid="session-card"][data-session="dev_worker1"] a.card-link');
    await page.waitForSelector('[data-testid="page-session"]');
    await page.waitForFunction(() => document.title === 'Architect');
    expect(await page.locator('[data-testid="nav-sessions-count"]').count()).toBe(0);
  });

  it('answers the dialog from the inbox with a click, and the agent moves on', { timeout: 60_000 }, async () => {
    cue('approval');
    // The session card offers the same options.
    await page.goto(new URL('/#/sessions', c.server.url).toString());
    const card = page.locator('[data-testid="session-card"][data-session="dev_worker1"]');
    await card.locator('[data-testid="answer-option"][data-n="3"]').waitFor({ timeout: 15_000 });
    expect(await card.locator('[data-testid="answer-option"]').count()).toBe(3);
    await page.goto(new URL('/#/attention', c.server.url).toString());
    const item = page.locator('[data-testid="inbox-item"][data-session="dev_worker1"]');
    await item.locator('[data-testid="dialog-question"]:has-text("Do you want to proceed?")').waitFor({ timeout: 15_000 });
    expect(await item.locator('[data-testid="answer-option"]').allTextContents()).toEqual(['1. Yes', '2. Yes, and always allow access to project1/ from this project', '3. No']);
    await screenshotBoth(page, 'attention');
    await item.locator('[data-testid="answer-option"][data-n="1"]').click();
    await page.waitForSelector('[data-testid="answer-result"]:has-text("answered")');
    expect(fs.readFileSync(answers, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string }).map((a) => a.key)).toEqual(['1']);
    await page.waitForSelector('[data-testid="inbox-empty"]', { timeout: 15_000 });
    await page.waitForSelector('[data-testid="delivery-row"][data-channel="desktop"][data-status="sent"]');
  });
});
