// `architect notify test CHANNEL`: sends a sample event (an agent waiting on an
// approval, marked as a test) to one channel of notifications.yaml and prints what
// the receiver said. It goes through the same outbox as every event, so it shows on
// the console's Attention page too.
import path from 'node:path';
import { firstAttempt, deliveryView } from '../../attention/commands.js';
import { suggestion } from '../../config/did-you-mean.js';
import { cliConfig } from '../config.js';
import { NO_NOTIFICATIONS } from '../../config/schemas/notifications.js';
import { createLogger } from '../../log/logger.js';
import { allChannelNames, channelSenders } from '../../notifications/channels.js';
import { DeliveryWorker } from '../../notifications/delivery-worker.js';
import { EventPublisher } from '../../notifications/publisher.js';
import { sampleEvent } from '../../notifications/sample.js';
import { AttentionMemory } from '../../store/attention.js';
import { NotificationOutbox } from '../../store/notification-outbox.js';
import { openStore } from '../../store/store.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand } from '../command.js';
import { parseStrict } from './sessions.js';

const USAGE = `architect notify test CHANNEL [--json]
    Sends a sample event to CHANNEL (a webhook or command of notifications.yaml, or the
    built-in log) and prints the outcome; exit 1 when it failed. The desktop and the
    dashboard are shown by a running console: use "Send test" on its Attention page.`;

/** What a webhook gets before the CLI gives up on a test (the channel's own timeout still applies). */
const TEST_WAIT_MS = 65_000;

export const notifyCommand: CliCommand = {
  name: 'notify',
  summary: 'Send a test notification to a channel of notifications.yaml',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseStrict({ args, options: { json: { type: 'boolean' } }, allowPositionals: true }, USAGE);
    const [sub, channel, ...rest] = positionals;
    if (sub !== 'test') throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}\n${USAGE}`);
    if (!channel || rest.length > 0) throw new UsageError(`notify test needs exactly one CHANNEL\n${USAGE}`);
    const file = cliConfig(ctx).notifications ?? NO_NOTIFICATIONS;
    const known = allChannelNames(file);
    if (!known.includes(channel)) {
      ctx.stderr.write(`no channel "${channel}"${suggestion(channel, known)}; channels are ${known.join(', ')}\n`);
      return EXIT_PROBLEM;
    }
    const declared = Object.hasOwn(file.channels, channel) ? file.channels[channel] : undefined;
    if (channel === 'dashboard' || channel === 'desktop' || declared?.type === 'desktop') {
      ctx.stderr.write(`the ${channel} channel is shown by a running console: use "Send test" on its Attention page (or the API's notifications.test)\n`);
      return EXIT_PROBLEM;
    }

    const log = createLogger({ level: ctx.globals.logLevel, file: path.join(ctx.globals.dataDir, 'logs', 'architect.jsonl'), console: null });
    const store = openStore({ path: ctx.globals.dbPath, logger: log });
    const outbox = new NotificationOutbox(store.writer);
    const worker = new DeliveryWorker({
      outbox,
      logger: log,
      senders: channelSenders(
        () => file,
        () => file.console_url ?? null,
        {
          dashboard: () => undefined,
          desktop: () => undefined,
          log: (e) => log.warn(`${e.event}: ${e.message}`, { test: true }),
        },
      ),
    });
    const stopWorker = worker.start();
    try {
      const publisher = new EventPublisher({ store, outbox, memory: new AttentionMemory(store.writer), file: () => file, clock: () => new Date() });
      const published = publisher.publish(sampleEvent(channel, new Date()), { only: channel });
      if (!published) throw new Error('the test event could not be stored');
      worker.kick();
      const rows = await firstAttempt(outbox, published.notificationId, TEST_WAIT_MS);
      await worker.idle();
      // A test is tried once from here: a failure is reported, not retried later by a console.
      for (const r of rows) if (r.status === 'pending') outbox.finish(r.id, { status: 'failed', attempts: r.attempts, detail: `${r.detail ?? 'not sent'} (a test is not retried)` }, new Date());
      const [d] = outbox.ofEvent(published.notificationId).map(deliveryView);
      if (!d) throw new Error('no delivery was planned');
      const where = channel === 'log' ? ` (${path.join(ctx.globals.dataDir, 'logs', 'architect.jsonl')})` : '';
      if (values.json || ctx.globals.json) ctx.stdout.write(JSON.stringify(d, null, 2) + '\n');
      else (d.status === 'sent' ? ctx.stdout : ctx.stderr).write(`${channel}: ${d.status}${d.detail ? `: ${d.detail}` : ''}${where}\n`);
      return d.status === 'sent' ? EXIT_OK : EXIT_PROBLEM;
    } finally {
      await stopWorker();
      store.close();
    }
  },
};
