import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';

// Who may talk to the web console: a client that presents the token and, when it
// is a browser, comes from the console's own origin.
//
// The token never travels in a cookie (a cookie for 127.0.0.1 reaches every server
// on every port of 127.0.0.1, an agent's dev server included) nor in a URL the
// server sees. The browser gets it in the login URL's fragment, keeps it in
// sessionStorage (which is per origin, port included) and presents it as a
// WebSocket subprotocol; scripts send a header.

export const TOKEN_HEADER = 'x-architect-token';
/** The subprotocol the console speaks; the server always selects this one. */
export const RPC_SUBPROTOCOL = 'architect.rpc';
/** A browser's WebSocket cannot set headers: it offers `architect.token.<token>` as a subprotocol. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'architect.token.';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

const bracket = (h: string): string => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);

/**
 * The names under which the console can legitimately be reached, as `host:port`.
 * Bound to every address (`--host 0.0.0.0`), that is loopback, this machine's own
 * addresses and its host name: a browser on another machine uses one of those, and a
 * page on evil.example that resolves to us (DNS rebinding) does not.
 */
export function allowedHosts(bindHost: string, port: number, machine: { addresses: string[]; hostname: string } = thisMachine()): Set<string> {
  const names = new Set<string>();
  const add = (h: string): void => {
    names.add(`${bracket(h).toLowerCase()}:${port}`);
  };
  ['127.0.0.1', 'localhost', '::1'].forEach(add);
  if (isWildcardHost(bindHost)) {
    machine.addresses.forEach(add);
    add(machine.hostname);
  } else {
    add(bindHost);
  }
  return names;
}

function thisMachine(): { addresses: string[]; hostname: string } {
  const addresses = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => a !== undefined)
    .map((a) => a.address);
  return { addresses, hostname: os.hostname() };
}

/** Guards against DNS rebinding: a page on evil.example resolving to 127.0.0.1. */
export function isTrustedHostHeader(hostHeader: string | undefined, allowed: Set<string>): boolean {
  return hostHeader !== undefined && allowed.has(hostHeader.toLowerCase());
}

/** A browser request from another origin (another site, another port) is refused. */
export function isTrustedOrigin(origin: string, allowed: Set<string>): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return parsed.protocol === 'http:' && allowed.has(parsed.host.toLowerCase());
}

/** The token from the header or a bearer authorization (scripts), or the offered subprotocols (browsers). */
export function readToken(headers: IncomingHttpHeaders): string | null {
  const header = headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return header;
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const protocols = headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',')) {
      const name = p.trim();
      if (name.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return name.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/** A URL fit for a log line: the path only (a query string may carry anything, a token included). */
export function loggableUrl(rawUrl: string | undefined): string {
  const url = rawUrl ?? '';
  const q = url.search(/[?#]/);
  const path = q < 0 ? url : url.slice(0, q);
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
