import { describe, expect, it } from 'vitest';
import type { Logger, LogContext } from '../../../src/main/log/logger.js';
import { LoopWatchdog, STALL_THRESHOLD_MS, stallThresholdFrom } from '../../../src/main/log/watchdog.js';
import { EventBus } from '../../../src/main/events/bus.js';
import { dispatch } from '../../../src/main/api/dispatch.js';
import { watchdog } from '../../../src/main/log/watchdog.js';
import type { Handlers } from '../../../src/shared/api.js';

function recordingLogger(): { log: Logger; lines: Array<{ msg: string; ctx?: LogContext }> } {
  const lines: Array<{ msg: string; ctx?: LogContext }> = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (msg, ctx) => void lines.push({ msg, ctx }),
    error: (msg, ctx) => void lines.push({ msg, ctx }),
    child: () => log,
  };
  return { log, lines };
}

/** A clock the test moves; the watchdog's timer is not used (check() is called by hand). */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('the event-loop watchdog', () => {
  it('logs a stall over the threshold with the watched section that ran, longest first', () => {
    const clock = manualClock();
    const { log, lines } = recordingLogger();
    const w = new LoopWatchdog(clock.now, 100, 50);
    w.start(log);
    w.stop(); // the test is the timer
    clock.advance(50);
    expect(w.check()).toBeNull(); // on time

    w.watched('rpc tasks.list', () => clock.advance(30));
    w.watched('sla slice', () => clock.advance(240));
    w.watched('tiny', () => clock.advance(1)); // too short to explain anything
    clock.advance(50);
    const stall = w.check();
    expect(stall).toEqual({ ms: 271, ran: [{ name: 'sla slice', ms: 240 }, { name: 'rpc tasks.list', ms: 30 }] });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe('event loop stalled 271 ms: sla slice 240 ms, rpc tasks.list 30 ms');

    // What was reported is forgotten: the next turn on time logs nothing.
    clock.advance(50);
    expect(w.check()).toBeNull();
    expect(lines).toHaveLength(1);
  });

  it('says when nothing watched explains the stall, and does not log one under the threshold', () => {
    const clock = manualClock();
    const { log, lines } = recordingLogger();
    const w = new LoopWatchdog(clock.now, 100, 50);
    w.start(log);
    w.stop();
    clock.advance(50 + 90);
    expect(w.check()).toBeNull();
    clock.advance(50 + 150);
    expect(w.check()?.ms).toBe(150);
    expect(lines.map((l) => l.msg)).toEqual(['event loop stalled 150 ms: nothing watched ran long (GC, or work no section names)']);
  });

  it('takes its threshold from ARCHITECT_STALL_LOG_MS, and refuses a bad one by name', () => {
    expect(stallThresholdFrom({})).toBe(STALL_THRESHOLD_MS);
    expect(stallThresholdFrom({ ARCHITECT_STALL_LOG_MS: '' })).toBe(STALL_THRESHOLD_MS);
    expect(stallThresholdFrom({ ARCHITECT_STALL_LOG_MS: '20' })).toBe(20);
    for (const bad of ['5', '0', '-20', '2.5', 'twenty', '20ms', '100000']) {
      expect(() => stallThresholdFrom({ ARCHITECT_STALL_LOG_MS: bad })).toThrow(`ARCHITECT_STALL_LOG_MS must be a whole number of milliseconds from 10 to 60000 (got "${bad}")`);
    }
    // Started with a lower threshold, a 30 ms stall is logged; with the default it is not.
    const clock = manualClock();
    const { log, lines } = recordingLogger();
    const w = new LoopWatchdog(clock.now, 100, 50);
    w.start(log, 20);
    w.stop();
    clock.advance(50 + 30);
    expect(w.check()?.ms).toBe(30);
    expect(lines).toHaveLength(1);
  });

  it('counts a nested section once, under the outermost name', () => {
    const clock = manualClock();
    const w = new LoopWatchdog(clock.now, 100, 50);
    w.watched('outer', () => w.watched('inner', () => clock.advance(200)));
    clock.advance(50);
    expect(w.check()?.ran).toEqual([{ name: 'outer', ms: 200 }]);
  });

  it('on a real timer: a handler that blocks the thread is named in the log', async () => {
    const { log, lines } = recordingLogger();
    const stop = watchdog.start(log);
    try {
      const bus = new EventBus();
      bus.on('errors.changed', () => {
        const until = performance.now() + STALL_THRESHOLD_MS * 2.5;
        while (performance.now() < until) {
          // a listener hogging the thread
        }
      });
      bus.emit('errors.changed', { open: 1 });
      const handlers = {
        'app.info': () => {
          const until = performance.now() + STALL_THRESHOLD_MS * 2.5;
          while (performance.now() < until) {
            // a handler hogging the thread
          }
          return {};
        },
      } as unknown as Handlers;
      await dispatch(handlers, 'app.info', {});
      await expect.poll(() => lines.map((l) => l.msg).join('\n'), { timeout: 10_000 }).toContain('rpc app.info');
      expect(lines.map((l) => l.msg).join('\n')).toContain('event errors.changed');
    } finally {
      stop();
    }
  });
});
