// A process that runs the `crashy` workflow (mode "start") or resumes whatever is
// unfinished (mode "resume") on the database named in argv; the crash test kills it.
import fs from 'node:fs';
import { harness } from '../../unit/workflows/harness.js';
import type { FunctionHandler } from '../../../src/main/workflows/types.js';

const [mode, dbPath, markerFile] = process.argv.slice(2) as [string, string, string];
/** Long enough that the parent surely kills us inside it. */
const SLOW_MS = 60_000;
const POLL_MS = 50;

const slowEffect: FunctionHandler = {
  async run(_input, ctx) {
    // Two ways a handler avoids repeating an effect: the journal, and the idempotency key.
    await ctx.once('effect', async () => {
      ctx.deps.store.writer.prepare("INSERT INTO notifications(kind, message) VALUES ('effect_once', ?)").run(ctx.idempotencyKey);
      return { done: true };
    });
    ctx.deps.store.writer.prepare("INSERT INTO notifications(kind, message, dedupe_key) VALUES ('effect_keyed', ?, ?) ON CONFLICT(dedupe_key) DO NOTHING").run(ctx.idempotencyKey, `effect:${ctx.idempotencyKey}`);
    if (mode === 'start') {
      fs.writeFileSync(markerFile, 'in slow step');
      await ctx.deps.sleep(SLOW_MS, ctx.signal);
    }
    return { key: ctx.idempotencyKey };
  },
};

const h = harness(
  {
    crashy: {
      steps: [
        { id: 'create_task', type: 'database', action: 'insert', table: 'tasks', data: { type: 'bug_fix', title: 'crash test' } },
        { id: 'tell_before', type: 'notification', channel: 'log', message: 'before ${steps.create_task.id}' },
        { id: 'slow', type: 'function', function: 'slow_effect', input: {} },
        { id: 'tell_after', type: 'notification', channel: 'log', message: 'after ${steps.slow.key}' },
      ],
    },
  },
  { dbPath },
);
const engine = h.engine({ slow_effect: slowEffect });
const stop = engine.start();
if (mode === 'start') {
  await engine.finished(engine.run('crashy', {}, 'cli'));
} else {
  while (engine.runsList().some((r) => r.status === 'running' || r.status === 'waiting')) await new Promise((r) => setTimeout(r, POLL_MS));
}
await stop();
h.store.close();
process.exit(0);
