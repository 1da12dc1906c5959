import type { ConfigProblem } from '../../../shared/api.js';
import { suggestion } from '../did-you-mean.js';
import { problemAt } from '../problems.js';
import { BUILTIN_CHANNELS, FIXED_CHANNELS } from '../schemas/notifications.js';
import type { SectionCheck } from '../sections.js';

const FILE = 'notifications';

/**
 * Every channel a rule or an SLA escalation names exists (built in, or declared in
 * notifications.yaml); the fixed built-ins are not redeclared; `desktop` stays a desktop.
 */
export const checkNotifications: SectionCheck = (config, locate) => {
  const out: ConfigProblem[] = [];
  const declared = config.notifications?.channels ?? {};
  const known = new Set<string>([...BUILTIN_CHANNELS, ...Object.keys(declared)]);
  const unknown = (name: string): string =>
    `no channel "${name}"${suggestion(name, known)}; channels are ${[...known].join(', ')} (declare others under channels: in notifications.yaml)`;

  for (const [name, channel] of Object.entries(declared)) {
    if (FIXED_CHANNELS.includes(name)) {
      out.push(problemAt(locate(FILE, ['channels', name], { key: true }), `"${name}" is a built-in channel and cannot be redeclared; pick another name`));
    } else if (name === 'desktop' && channel.type !== 'desktop') {
      out.push(problemAt(locate(FILE, ['channels', name, 'type']), `the channel named "desktop" is the desktop (type: desktop); name a ${channel.type} channel something else`));
    }
  }
  config.notifications?.rules.forEach((rule, i) => {
    rule.channels.forEach((name, j) => {
      if (!known.has(name)) out.push(problemAt(locate(FILE, ['rules', i, 'channels', j]), unknown(name)));
    });
  });
  config.sla_rules.escalation_rules.forEach((rule, i) => {
    rule.notification_channels?.forEach((name, j) => {
      if (!known.has(name)) out.push(problemAt(locate('sla_rules', ['escalation_rules', i, 'notification_channels', j]), unknown(name)));
    });
  });
  return out;
};
