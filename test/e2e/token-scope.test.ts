import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { startTestConsole, type TestConsole } from '../integration/web/console.js';

// The token stays with its console: another local web server (an agent's dev
// server on another port) never receives it, and two consoles on two ports in one
// browser do not knock each other out.

let a: TestConsole;
let b: TestConsole;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let devServer: http.Server;
const seenByDevServer: string[] = [];

describe('where the token goes', () => {
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestConsole({ page: 'built' }), startTestConsole({ page: 'built' })]);
    devServer = http.createServer((req, res) => {
      seenByDevServer.push(JSON.stringify(req.headers));
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>dev server</p>');
    });
    await new Promise<void>((r) => devServer.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    devServer?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('two consoles on two ports stay logged in side by side, and a third server never sees either token', async () => {
    const context = await browser.browser.newContext();
    const pageA = await context.newPage();
    await pageA.goto(a.server.loginUrl);
    await pageA.waitForSelector('[data-testid="connection"]:has-text("live")');
    expect(pageA.url()).not.toContain(a.server.token);

    const pageB = await context.newPage();
    await pageB.goto(b.server.loginUrl);
    await pageB.waitForSelector('[data-testid="connection"]:has-text("live")');

    // A reload of the first console still works after the second one logged in.
    await pageA.reload();
    await pageA.waitForSelector('[data-testid="connection"]:has-text("live")');
    const info = await pageA.evaluate(() => window.architect.app.info());
    expect(info.name).toBe('Architect');

    const dev = await context.newPage();
    await dev.goto(`http://127.0.0.1:${(devServer.address() as AddressInfo).port}/`);
    await dev.waitForSelector('text=dev server');
    expect(seenByDevServer.length).toBeGreaterThan(0);
    for (const headers of seenByDevServer) {
      expect(headers).not.toContain(a.server.token);
      expect(headers).not.toContain(b.server.token);
    }
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.value).join(' ')).not.toContain(a.server.token);
    await context.close();
  });
});
