import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SlaWatcher } from '../../../src/main/alerts/sla-watcher.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { slaEvent } from '../../../src/main/notifications/sla-events.js';
import { TestClock, tempStore } from '../assigner/fixture.js';

// The shipped sla_rules.yaml as a user meets it (the seed's rules): a task past its
// warning level is colored yellow and raises nothing — no alert, no `sla_warning`
// event —; past its target it raises one alert, the `sla_critical` event. The rule the
// file's comment offers for hearing of the warning level does what it says: one
// `sla_warning` at warning, not again at critical.

const SHIPPED = path.resolve('config/base/sla_rules.yaml');

/** The commented example of the shipped file, uncommented into its escalation_rules. */
function withWarningAlert(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('#  - condition: "percent_used >= warning_percent'));
  if (at === -1) throw new Error('the shipped sla_rules.yaml no longer offers the warning rule in a comment');
  const example = lines.slice(at, at + 3).map((l) => l.replace(/^#/, ''));
  expect(example[1]).toMatch(/action: "alert_user"/);
  return text.replace('escalation_rules:\n', `escalation_rules:\n${example.join('\n')}\n`);
}

describe('the shipped SLA rules', () => {
  let t: ReturnType<typeof tempStore>;
  let clock: TestClock;
  beforeEach(() => {
    t = tempStore();
    clock = new TestClock();
  });
  afterEach(() => t.cleanup());

  function watch(text: string): { watcher: SlaWatcher; events: string[] } {
    const rules = SlaFile.parse(parse(text));
    const events: string[] = [];
    const watcher = new SlaWatcher({
      store: t.store,
      getSnapshot: () => ({ sla: rules }),
      clock: clock.now,
      send: (alert, step) => {
        const e = slaEvent(alert, step, null, []);
        if (e) events.push(`${e.event} #${alert.taskId}`);
      },
    });
    return { watcher, events };
  }

  it('warning only colors the task; critical raises sla_critical once', async () => {
    const { watcher, events } = watch(fs.readFileSync(SHIPPED, 'utf8'));
    // `shell`: 5 minutes, warning at 80 %.
    const task = t.store.tasks.add({ type: 'shell', title: 'slow' });
    clock.advanceMinutes(4.5);
    expect(await watcher.tick()).toEqual([]);
    expect(watcher.highlightOf(t.store.tasks.get(task.id)!, clock.now())).toBe('yellow');
    expect(events).toEqual([]);

    clock.advanceMinutes(1);
    expect((await watcher.tick()).map((a) => a.level)).toEqual(['critical']);
    await watcher.tick();
    expect(events).toEqual([`sla_critical #${task.id}`]);
  });

  it("the file's commented warning rule, once enabled, raises sla_warning at warning and not again at critical", async () => {
    const { watcher, events } = watch(withWarningAlert(fs.readFileSync(SHIPPED, 'utf8')));
    const task = t.store.tasks.add({ type: 'shell', title: 'slow' });
    clock.advanceMinutes(4.5);
    expect((await watcher.tick()).map((a) => a.level)).toEqual(['warning']);
    expect(watcher.highlightOf(t.store.tasks.get(task.id)!, clock.now())).toBe('yellow');
    await watcher.tick();
    expect(events).toEqual([`sla_warning #${task.id}`]);

    clock.advanceMinutes(1);
    await watcher.tick();
    expect(events).toEqual([`sla_warning #${task.id}`, `sla_critical #${task.id}`]);
  });
});
