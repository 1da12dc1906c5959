// The channels of the config in force, as senders: the built-in dashboard, log and
// desktop (in-process, so they cannot fail in a way a retry would fix), and the
// declared webhooks and programs.
import { BUILTIN_CHANNELS, type NotificationsFile, type Retry } from '../config/schemas/notifications.js';
import type { ChannelSender, SenderLookup } from './delivery-worker.js';
import type { AttentionEvent } from './event.js';
import { postWebhook, runCommand } from './senders.js';

/** Where the built-in channels go (the core's bus, the log, Electron). */
export interface Outlets {
  dashboard(event: AttentionEvent): void;
  log(event: AttentionEvent): void;
  desktop(event: AttentionEvent): void;
}

const NO_RETRY: Retry = { attempts: 0, backoff_seconds: 1, max_backoff_seconds: 1 };

function inProcess(show: (event: AttentionEvent) => void, what: string): ChannelSender {
  return {
    retry: NO_RETRY,
    send: (event) => {
      show(event);
      return { ok: true, detail: what, retryable: false };
    },
  };
}

export function channelSenders(file: () => NotificationsFile, consoleUrl: () => string | null, outlets: Outlets): SenderLookup {
  const builtins: Record<(typeof BUILTIN_CHANNELS)[number], ChannelSender> = {
    dashboard: inProcess((e) => outlets.dashboard(e), 'shown on the dashboard'),
    log: inProcess((e) => outlets.log(e), 'written to the log'),
    desktop: inProcess((e) => outlets.desktop(e), 'shown on the desktop'),
  };
  return (name) => {
    const declared = Object.hasOwn(file().channels, name) ? file().channels[name] : undefined;
    if (!declared) return (BUILTIN_CHANNELS as readonly string[]).includes(name) ? builtins[name as keyof typeof builtins] : null;
    switch (declared.type) {
      case 'desktop':
        return builtins.desktop;
      case 'webhook':
        return { retry: declared.retry, send: (event) => postWebhook(declared, event, consoleUrl()) };
      case 'command':
        return { retry: declared.retry, send: (event) => runCommand(declared, event, consoleUrl()) };
    }
  };
}

/** What the Attention page shows of a channel: never a URL (it may be a secret), only its host. */
export function describeChannel(name: string, file: NotificationsFile): { name: string; type: string; target: string; builtin: boolean } {
  const declared = Object.hasOwn(file.channels, name) ? file.channels[name] : undefined;
  if (!declared) {
    const target = name === 'dashboard' ? 'the alert banner' : name === 'log' ? 'the log file' : 'desktop notifications';
    return { name, type: name, target, builtin: true };
  }
  switch (declared.type) {
    case 'desktop':
      return { name, type: 'desktop', target: 'desktop notifications', builtin: false };
    case 'webhook':
      return { name, type: `webhook (${declared.format})`, target: hostOf(declared.url), builtin: false };
    case 'command':
      return { name, type: 'command', target: declared.command[0] ?? '', builtin: false };
  }
}

function hostOf(url: string): string {
  if (url.startsWith('${')) return url.slice(0, url.indexOf('}') + 1);
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

export function allChannelNames(file: NotificationsFile): string[] {
  return [...new Set([...BUILTIN_CHANNELS, ...Object.keys(file.channels)])];
}
