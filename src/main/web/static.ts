import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/**
 * Same policy as the desktop window: our own scripts only, our own WebSocket. The
 * page's <meta> carries the same (src/renderer/index.html; a test holds them equal)
 * except frame-ancestors, which a <meta> cannot set.
 */
export const META_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";
export const CONTENT_SECURITY_POLICY = `${META_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

/** Serves the built renderer; unknown paths get index.html (client-side routes). */
export function serveStatic(res: http.ServerResponse, rootDir: string | null, pathname: string): void {
  const security = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
  if (!rootDir || !fs.existsSync(path.join(rootDir, 'index.html'))) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...security });
    res.end('The console UI is not built. Run `npm run build` in the Architect folder, then reload.\n');
    return;
  }
  const root = path.resolve(rootDir);
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400, security).end();
    return;
  }
  let file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (!file.startsWith(root + path.sep) && file !== root) {
    res.writeHead(403, security).end();
    return;
  }
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
  const ext = path.extname(file);
  const immutable = file.includes(`${path.sep}assets${path.sep}`);
  res.writeHead(200, {
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...security,
  });
  // A file removed mid-read (a rebuild) ends this reply, never the process.
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
