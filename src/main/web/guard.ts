import type { IncomingHttpHeaders } from 'node:http';

// Who may talk to the web console: a client that presents the token and, when it
// is a browser, comes from the console's own origin.

export const TOKEN_COOKIE = 'architect_token';
export const TOKEN_HEADER = 'x-architect-token';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The names under which the console can legitimately be reached. */
function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = new Set<string>();
  const add = (h: string): void => {
    names.add(`${h}:${port}`);
  };
  if (isLoopbackHost(bindHost)) {
    ['127.0.0.1', 'localhost', '[::1]'].forEach(add);
    if (bindHost !== '::1') add(bindHost);
  } else if (bindHost === '0.0.0.0' || bindHost === '::') {
    return new Set(); // any host: checked by the token alone (explicitly asked for with --host)
  } else {
    add(bindHost.includes(':') ? `[${bindHost}]` : bindHost);
    ['127.0.0.1', 'localhost'].forEach(add);
  }
  return names;
}

/** Guards against DNS rebinding: a page on evil.example resolving to 127.0.0.1. */
export function isTrustedHostHeader(hostHeader: string | undefined, bindHost: string, port: number): boolean {
  if (!hostHeader) return false;
  const allowed = allowedHosts(bindHost, port);
  return allowed.size === 0 || allowed.has(hostHeader.toLowerCase());
}

export function isTrustedOrigin(origin: string, bindHost: string, port: number): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:') return false;
  const allowed = allowedHosts(bindHost, port);
  return allowed.size === 0 ? true : allowed.has(parsed.host.toLowerCase());
}

/** The token from the query string, the header, a bearer authorization or the cookie. */
export function readToken(headers: IncomingHttpHeaders, url: URL): string | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const header = headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return header;
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const cookie = headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === TOKEN_COOKIE) return v.join('=');
    }
  }
  return null;
}
