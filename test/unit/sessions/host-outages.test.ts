import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../src/main/log/logger.js';
import { HostOutages, RECONNECT_FIRST_MS, RECONNECT_MAX_MS } from '../../../src/main/sessions/host-outages.js';
import type { TmuxServer } from '../../../src/main/tmux/server.js';

const SERVER: TmuxServer = { name: 'buildbox', socket: null, ssh: { host: 'dev@buildbox.lan' } };

function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (msg: string, ctx?: Record<string, unknown>) => lines.push(`${level} ${msg} ${JSON.stringify(ctx ?? {})}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return logger;
}

describe('HostOutages', () => {
  let lines: string[];
  let answers: boolean;
  let probes: number[];
  let back: string[];
  let outages: HostOutages;

  beforeEach(() => {
    vi.useFakeTimers();
    lines = [];
    answers = false;
    probes = [];
    back = [];
    outages = new HostOutages({
      probe: async () => {
        probes.push(Date.now());
        if (!answers) throw new Error('ssh: connect to host buildbox.lan port 22: Connection refused');
      },
      onBack: (s) => back.push(s.name),
      log: recordingLogger(lines),
    });
  });

  afterEach(() => {
    outages.stop();
    vi.useRealTimers();
  });

  it('starts an outage once, retries on a doubling delay capped at the maximum, each retry logged', async () => {
    const start = Date.now();
    expect(outages.down(SERVER, new Error('refused'))).toBe(true);
    expect(outages.down(SERVER, new Error('refused again'))).toBe(false); // already out: nothing to mark twice
    expect(outages.isDown(SERVER)).toBe(true);
    await vi.advanceTimersByTimeAsync(RECONNECT_MAX_MS * 4);
    const gaps = probes.map((t, i) => t - (i === 0 ? start : probes[i - 1]!));
    expect(gaps.slice(0, 7)).toEqual([...[1, 2, 4, 8, 16].map((n) => n * RECONNECT_FIRST_MS), RECONNECT_MAX_MS, RECONNECT_MAX_MS]);
    expect(Math.max(...gaps)).toBe(RECONNECT_MAX_MS);
    expect(lines[0]).toMatch(/^warn host unreachable: .*"server":"buildbox".*"retryInMs":1000/);
    expect(lines.slice(1).every((l) => l.startsWith('info host still unreachable'))).toBe(true);
    expect(lines).toHaveLength(1 + probes.length);
  });

  it('says when the host answers again, once, and stops trying', async () => {
    outages.down(SERVER, new Error('refused'));
    await vi.advanceTimersByTimeAsync(3_500); // two failed attempts
    answers = true;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(back).toEqual(['buildbox']);
    expect(outages.isDown(SERVER)).toBe(false);
    expect(lines.at(-1)).toMatch(/^info host reachable again .*"attempts":3/);
    const attempts = probes.length;
    await vi.advanceTimersByTimeAsync(RECONNECT_MAX_MS * 2);
    expect(probes).toHaveLength(attempts);
  });

  it('a server no longer watched, or a stopped monitor, gets no more attempts', async () => {
    outages.down(SERVER, new Error('refused'));
    outages.forget(SERVER);
    await vi.advanceTimersByTimeAsync(RECONNECT_MAX_MS);
    expect(probes).toEqual([]);
    outages.stop();
    expect(outages.down(SERVER, new Error('refused'))).toBe(false);
  });
});
