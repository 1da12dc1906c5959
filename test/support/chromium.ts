import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

// The browser for the browser tests and the UI bench, driven by playwright-core
// (never `npx playwright install`, which downloads from outside the npm registry).
// In order: ARCHITECT_CHROMIUM, the system's `chromium` on PATH (Debian's
// /usr/bin/chromium), else the Chromium that the dev dependency @sparticuz/chromium
// ships inside its npm package — so `npm test` needs no apt and no download. A browser test never skips itself for
// want of a browser: if none can be had, it fails and says why.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The system's Chromium: `chromium` on PATH, as a shell would find it. */
function systemChromium(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'chromium');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Where the packaged Chromium is unpacked: one folder per version, inside
 * node_modules so a reinstall clears it. Its own recommended flags (chromium.args)
 * are for AWS Lambda — single process, web security off — and would test a weaker
 * browser than the operator's; the flags above run it as they run Debian's.
 */
function packagedChromiumDir(): string {
  // Its exports hide package.json: from its entry point (build/index.js) up.
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium', { paths: [root] });
  const { version } = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return path.join(root, 'node_modules', '.cache', 'architect', `chromium-${version}`);
}

/**
 * Unpacks the packaged Chromium (about 3 s, once per install). The package unpacks
 * into os.tmpdir(), shared by everyone on the machine and half-written while it
 * works; so it unpacks into a staging folder of its own (TMPDIR, in a child process)
 * that is renamed into place whole — a second run at the same time uses the first
 * one's folder.
 */
export function unpackPackagedChromium(): string {
  const dir = packagedChromiumDir();
  const exe = path.join(dir, 'chromium');
  if (fs.existsSync(exe)) return exe;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.staging-`);
  try {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "import c from '@sparticuz/chromium'; process.stdout.write(await c.executablePath());"], {
      cwd: root,
      env: { ...process.env, TMPDIR: staging },
      encoding: 'utf8',
    });
    if (r.status !== 0 || r.stdout !== path.join(staging, 'chromium')) {
      throw new Error(`could not unpack the Chromium of @sparticuz/chromium (${(r.stderr || r.error?.message || r.stdout).trim().split('\n')[0]})`);
    }
    try {
      fs.renameSync(staging, dir);
    } catch (err) {
      if (!fs.existsSync(exe)) throw err; // another run got there first otherwise
    }
    return exe;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** The Chromium executable to drive, unpacking the packaged one if need be. */
export function chromiumExecutable(): string {
  const chosen = process.env.ARCHITECT_CHROMIUM;
  if (chosen) {
    if (!fs.existsSync(chosen)) throw new Error(`ARCHITECT_CHROMIUM is ${chosen}, which does not exist`);
    return chosen;
  }
  return systemChromium() ?? unpackPackagedChromium();
}

/** launch() gives each browser a throw-away profile of its own. */
export async function launchChromium(executablePath = chromiumExecutable()): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  return { browser, close: () => browser.close() };
}
