import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../../src/main/web/static.js';

// The page's <meta> policy is the one the desktop window gets from it (file://
// responses carry no header), so it must be exactly as strict as the header the web
// console sends: the same policy, less what only a header can say.

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const metaOf = (html: string): string | undefined => /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];

describe('the page\'s Content-Security-Policy', () => {
  it('the <meta> policy is the header\'s, without frame-ancestors', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(`${META_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
    expect(metaOf(fs.readFileSync(path.join(ROOT, 'src/renderer/index.html'), 'utf8'))).toBe(META_CONTENT_SECURITY_POLICY);
  });

  it('the built page carries it too', () => {
    const built = path.join(ROOT, 'out/renderer/index.html');
    if (!fs.existsSync(built)) return; // npm test builds it first
    expect(metaOf(fs.readFileSync(built, 'utf8'))).toBe(META_CONTENT_SECURITY_POLICY);
  });

  it('lets the page talk to its own origin only', () => {
    expect(META_CONTENT_SECURITY_POLICY).toContain("connect-src 'self';");
    expect(META_CONTENT_SECURITY_POLICY).not.toMatch(/ws:|wss:|\*/);
  });
});
