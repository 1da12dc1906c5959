import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionState } from '../../../src/shared/api.js';
import { deliverPrompt, runTmux } from '../../../src/main/dispatch/deliver.js';
import { inputBoxText } from '../../../src/main/dispatch/plan.js';
import { ControlClient } from '../../../src/main/tmux/control-client.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { killTestServer, testSocket } from '../../support/tmux.js';

// A private tmux server per run; only this server is ever killed.
const SOCKET = testSocket('dispatch');
const server = { socketName: SOCKET };
const AGENT = path.join(import.meta.dirname, '../../support/fake-agent.mjs');
const READY_TIMEOUT_MS = 5000;
const POLL_MS = 50;

let dir = '';
let counter = 0;

/** Good enough for the fake agent; the real classifier belongs to the sessions engineer. */
function classify(screen: string): SessionState {
  if (screen.includes('esc to interrupt')) return 'working';
  return inputBoxText(screen) === null ? 'unknown' : 'idle';
}

async function startAgent(flags: string[] = []): Promise<{ paneId: string; log: string }> {
  const name = `agent${++counter}`;
  const log = path.join(dir, `${name}.log`);
  fs.writeFileSync(log, '');
  await runTmux(server, ['-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '100', '-y', '30', process.execPath, AGENT, log, ...flags]);
  const paneId = (await runTmux(server, ['display-message', '-p', '-t', name, '#{pane_id}'])).trim();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await runTmux(server, ['capture-pane', '-p', '-t', paneId])).includes('❯')) {
    if (Date.now() > deadline) throw new Error(`fake agent in ${paneId} never showed its prompt`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { paneId, log };
}

const received = (log: string): string[] =>
  fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-dispatch-'));
});

afterAll(() => {
  killTestServer(SOCKET);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('deliverPrompt on a real tmux pane', () => {
  it('runs every step over a live control client when given one (no tmux process at all), and the prompt is taken', async () => {
    const { paneId, log } = await startAgent();
    const sessionId = (await runTmux(server, ['display-message', '-p', '-t', paneId, '#{session_id}'])).trim();
    const client = new ControlClient(tmuxServer(SOCKET), sessionId, { onOutput: () => undefined, onLayoutChange: () => undefined, onExit: () => undefined });
    const lines: string[] = [];
    const commander = { command: (line: string) => (lines.push(line), client.command(line)) };
    try {
      const result = await deliverPrompt(server, { name: 'w1', paneId }, 'over the control client', { classify, commander: () => commander });
      expect(result).toMatchObject({ outcome: 'taken', enterPresses: 1 });
      expect(received(log)).toEqual(['over the control client']);
      // Every look at the screen, the prompt (set-buffer, one quoted argument), the paste
      // and the Enter went over the client (tmux runs them for the monitor's read-only clients).
      expect(lines.filter((l) => l === `capture-pane -p -t ${paneId}`).length).toBeGreaterThanOrEqual(2);
      expect(lines.filter((l) => !l.startsWith('capture-pane')).map((l) => l.split(' ')[0])).toEqual(['set-buffer', 'paste-buffer', 'send-keys']);
      expect(lines.find((l) => l.startsWith('set-buffer'))).toBe(`set-buffer -b architect-task-${paneId.slice(1)} -- "over the control client"`);
      // The same text either way.
      expect(await commander.command(`capture-pane -p -t ${paneId}`).then((ls) => ls.map((l) => `${l}\n`).join(''))).toBe(await runTmux(server, ['capture-pane', '-p', '-t', paneId]));
    } finally {
      client.close();
    }
  });

  it('pastes the prompt as data (no shell), presses Enter once and sees the agent working', async () => {
    const { paneId, log } = await startAgent();
    const canary = path.join(dir, 'pwned');
    const prompt = `fix it; touch ${canary} $(touch ${canary}) \`touch ${canary}\` "quotes" 'single' ✓`;
    const result = await deliverPrompt(server, { name: 'w1', paneId }, prompt, { classify });
    expect(result).toMatchObject({ outcome: 'taken', enterPresses: 1 });
    expect(received(log)).toEqual([prompt]);
    expect(fs.existsSync(canary)).toBe(false);
  });

  it('a multi-line prompt arrives as one submission', async () => {
    const { paneId, log } = await startAgent();
    const prompt = 'line one\nline two\n\n  indented line four';
    const result = await deliverPrompt(server, { name: 'w2', paneId }, prompt, { classify });
    expect(result.outcome).toBe('taken');
    expect(received(log)).toEqual([prompt]);
  });

  it('retries Enter when the first one did not land', async () => {
    const { paneId, log } = await startAgent(['--deaf-enters', '1']);
    const result = await deliverPrompt(server, { name: 'w3', paneId }, 'do the thing', { classify, maxEnterRetries: 2 });
    expect(result).toMatchObject({ outcome: 'taken', enterPresses: 2 });
    expect(received(log)).toEqual(['do the thing']);
  });

  it('gives up after the bounded number of Enter presses, with the reason', async () => {
    const { paneId, log } = await startAgent(['--deaf-enters', '99']);
    const result = await deliverPrompt(server, { name: 'w4', paneId }, 'never taken', {
      classify,
      maxEnterRetries: 1,
      confirmWindowMs: 300,
    });
    expect(result.outcome).toBe('failed');
    expect(result.enterPresses).toBe(2);
    expect(result.reason).toBe('the prompt is still in the input box after 2 Enter presses');
    expect(received(log)).toEqual([]);
  });

  it('types nothing into a pane that is not idle', async () => {
    const { paneId, log } = await startAgent(['--busy', '--work-ms', '3000']);
    const result = await deliverPrompt(server, { name: 'w5', paneId }, 'hello', { classify });
    expect(result).toMatchObject({ outcome: 'failed', enterPresses: 0, reason: 'w5 is working, not idle' });
    expect(received(log)).toEqual([]);
    expect(inputBoxText(await runTmux(server, ['capture-pane', '-p', '-t', paneId]))).toBe('');
  });
});

describe('deliverPrompt over an open control client (the monitor\'s)', () => {
  /** A control client attached to the agent's session, as the session monitor keeps one. */
  const clientFor = async (paneId: string): Promise<ControlClient> => {
    const session = (await runTmux(server, ['display-message', '-p', '-t', paneId, '#{session_id}'])).trim();
    const client = new ControlClient(tmuxServer(SOCKET), session, { onOutput: () => undefined, onLayoutChange: () => undefined, onExit: () => undefined });
    await client.command('display-message -p attached');
    return client;
  };

  it('delivers a multi-line prompt as one submission, the screen reads, paste and Enter over the client', async () => {
    const { paneId, log } = await startAgent();
    const client = await clientFor(paneId);
    try {
      const prompt = 'line one\nline two\n\n  indented; $(touch x) ✓';
      const result = await deliverPrompt(server, { name: 'c1', paneId }, prompt, { classify, commander: () => client });
      expect(result).toMatchObject({ outcome: 'taken', enterPresses: 1 });
      expect(received(log)).toEqual([prompt]);
      // The screen it judged is shaped as an exec prints it: every line, each ending with a newline.
      const byExec = await runTmux(server, ['capture-pane', '-p', '-t', paneId]);
      expect([result.screen.split('\n').length, result.screen.endsWith('\n')]).toEqual([byExec.split('\n').length, true]);
    } finally {
      client.close();
    }
  });

  it('a prompt of any text arrives byte for byte over the client, as one set-buffer line', async () => {
    const { paneId, log } = await startAgent();
    const client = await clientFor(paneId);
    const lines: string[] = [];
    const commander = { get alive() { return client.alive; }, command: (line: string) => (lines.push(line), client.command(line)) };
    const canary = path.join(dir, 'pwned-over-client');
    try {
      // What tmux's parser could read as something else: quotes, escapes, variables,
      // formats, separators, braces, a leading dash, a tab, tildes, non-ASCII.
      const prompt = `-x -b other "double" 'single' \\back\\slash \\n $HOME \${HOME} #{pane_id} ; touch ${canary}; $(touch ${canary}) \`touch ${canary}\` {braces} ~root %end\ttab é ✓ 漢字\nsecond line`;
      const result = await deliverPrompt(server, { name: 'c0', paneId }, prompt, { classify, commander: () => commander });
      expect(result).toMatchObject({ outcome: 'taken', enterPresses: 1 });
      expect(received(log)).toEqual([prompt]);
      expect(fs.existsSync(canary)).toBe(false);
      expect(lines.filter((l) => l.startsWith('set-buffer'))).toHaveLength(1);
      expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    } finally {
      client.close();
    }
  });

  it('retries Enter over the client when the first one did not land', async () => {
    const { paneId, log } = await startAgent(['--deaf-enters', '1']);
    const client = await clientFor(paneId);
    try {
      const result = await deliverPrompt(server, { name: 'c2', paneId }, 'do the thing', { classify, commander: () => client, maxEnterRetries: 2 });
      expect(result).toMatchObject({ outcome: 'taken', enterPresses: 2 });
      expect(received(log)).toEqual(['do the thing']);
    } finally {
      client.close();
    }
  });

  it('runs by exec when the client is closed', async () => {
    const { paneId, log } = await startAgent();
    const client = await clientFor(paneId);
    client.close();
    const result = await deliverPrompt(server, { name: 'c3', paneId }, 'still delivered', { classify, commander: () => client });
    expect(result.outcome).toBe('taken');
    expect(received(log)).toEqual(['still delivered']);
  });
});
