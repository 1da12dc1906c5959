import { describe, expect, it } from 'vitest';
import { allowedHosts, isTrustedHostHeader, isTrustedOrigin, loggableUrl, readToken } from '../../../src/main/web/guard.js';

// Who may talk to the console, by the Host and Origin it names: its own names only,
// whatever address it is bound to (DNS rebinding: a page on evil.example that
// resolves to this machine must not get in).

const machine = { addresses: ['127.0.0.1', '192.168.1.20', 'fe80::1'], hostname: 'buildbox' };

describe('host and origin checks', () => {
  it('bound to loopback: only loopback names on its own port', () => {
    const allowed = allowedHosts('127.0.0.1', 7420, machine);
    expect(isTrustedHostHeader('127.0.0.1:7420', allowed)).toBe(true);
    expect(isTrustedHostHeader('localhost:7420', allowed)).toBe(true);
    expect(isTrustedHostHeader('[::1]:7420', allowed)).toBe(true);
    expect(isTrustedHostHeader('127.0.0.1:7421', allowed)).toBe(false);
    expect(isTrustedHostHeader('evil.example:7420', allowed)).toBe(false);
    expect(isTrustedHostHeader('[', allowed)).toBe(false);
    expect(isTrustedHostHeader(undefined, allowed)).toBe(false);
  });

  it.each(['0.0.0.0', '::'])('bound to every address (%s): this machine\'s names, and nothing else', (bind) => {
    const allowed = allowedHosts(bind, 7420, machine);
    for (const ok of ['127.0.0.1:7420', '192.168.1.20:7420', '[fe80::1]:7420', 'buildbox:7420', 'BUILDBOX:7420']) expect(isTrustedHostHeader(ok, allowed)).toBe(true);
    for (const bad of ['evil.example:7420', 'rebind.attacker.test:7420', '192.168.1.21:7420', '192.168.1.20:80']) expect(isTrustedHostHeader(bad, allowed)).toBe(false);
    expect(isTrustedOrigin('http://192.168.1.20:7420', allowed)).toBe(true);
    expect(isTrustedOrigin('http://evil.example:7420', allowed)).toBe(false);
    expect(isTrustedOrigin('null', allowed)).toBe(false);
    expect(isTrustedOrigin('https://127.0.0.1:7420', allowed)).toBe(false);
  });

  it('the token comes from a header or an offered subprotocol, never from the URL', () => {
    expect(readToken({ 'x-architect-token': 'a' })).toBe('a');
    expect(readToken({ authorization: 'Bearer b' })).toBe('b');
    expect(readToken({ 'sec-websocket-protocol': 'architect.rpc, architect.token.c' })).toBe('c');
    expect(readToken({ cookie: 'architect_token=d' })).toBeNull();
    expect(readToken({})).toBeNull();
  });

  it('a URL in a log line keeps its path only', () => {
    expect(loggableUrl('/api/query/x?token=secret&a=1')).toBe('/api/query/x');
    expect(loggableUrl('/#token=secret')).toBe('/');
    expect(loggableUrl(`/${'x'.repeat(1000)}`).length).toBeLessThan(210);
  });
});
