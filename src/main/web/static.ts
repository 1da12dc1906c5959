import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import zlib from 'node:zlib';

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

/** A file of the built renderer as last read: its bytes, and gzipped once zlib (off the main thread) has them. */
interface Cached {
  mtimeMs: number;
  size: number;
  raw: Buffer;
  gzip: Buffer | null;
}

/** Files past this are streamed from disk, not kept (the built page's largest chunk is ~450 KB). */
const MAX_CACHED_BYTES = 4 * 1024 * 1024;
/** Smaller than this is sent as it is: gzip saves nothing worth a second copy. */
const MIN_GZIP_BYTES = 1024;
const cache = new Map<string, Cached>();

/**
 * The file's bytes, read once per version (mtime and size). Streaming a 400 KB script
 * from disk took ~10 turns of the event loop (open, 64 KB reads, close, each through
 * libuv's thread pool); on a busy console each turn waits behind the main thread's
 * work, and the page's script took 1.3–2.9 s to arrive on the 1M seed
 * (docs/performance.md). From memory it is one write.
 */
function cached(file: string, stat: fs.Stats): Cached | null {
  if (stat.size > MAX_CACHED_BYTES) return null;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit;
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (path.basename(file) === 'index.html') raw = inlineStyles(raw, path.dirname(file));
  const entry: Cached = { mtimeMs: stat.mtimeMs, size: stat.size, raw, gzip: null };
  cache.set(file, entry);
  if (raw.length >= MIN_GZIP_BYTES) {
    zlib.gzip(raw, (err, gz) => {
      if (!err && cache.get(file) === entry && gz.length < raw.length) entry.gzip = gz;
    });
  }
  return entry;
}

/** A stylesheet past this stays a request of its own. */
const MAX_INLINE_CSS_BYTES = 64 * 1024;

/**
 * The page's stylesheets, inlined (the policy allows inline styles). A stylesheet holds
 * the page's scripts until it has arrived: on a busy console the 17 KB stylesheet came
 * up to ~260 ms after the script it held. One with a url() stays linked (a relative url
 * would then resolve against the page, not the stylesheet).
 */
function inlineStyles(html: Buffer, dir: string): Buffer {
  const text = html.toString('utf8');
  const out = text.replace(/<link rel="stylesheet"[^>]*? href="\.\/(assets\/[\w.-]+\.css)"[^>]*>/g, (link, rel: string) => {
    try {
      const css = fs.readFileSync(path.join(dir, rel), 'utf8');
      if (css.length > MAX_INLINE_CSS_BYTES || css.includes('url(') || css.includes('</')) return link;
      return `<style>${css}</style>`;
    } catch {
      return link;
    }
  });
  return out === text ? html : Buffer.from(out, 'utf8');
}

/** Reads (and starts gzipping) the page and its scripts before the first browser asks for them. */
export function warmStatic(rootDir: string | null): void {
  if (!rootDir) return;
  const root = path.resolve(rootDir);
  for (const file of [path.join(root, 'index.html'), ...listAssets(path.join(root, 'assets'))]) {
    try {
      const stat = fs.statSync(file);
      if (stat.isFile()) cached(file, stat);
    } catch {
      // not built (yet): served, or explained, when asked
    }
  }
}

function listAssets(dir: string): string[] {
  try {
    return fs.readdirSync(dir).map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

const acceptsGzip = (req: http.IncomingMessage | undefined): boolean => /\bgzip\b/.test(String(req?.headers['accept-encoding'] ?? ''));

/** Serves the built renderer; unknown paths get index.html (client-side routes). */
export function serveStatic(res: http.ServerResponse, rootDir: string | null, pathname: string, req?: http.IncomingMessage): void {
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
  let stat = statOf(file);
  if (!stat || stat.isDirectory()) {
    file = path.join(root, 'index.html');
    stat = statOf(file);
  }
  const ext = path.extname(file);
  const immutable = file.includes(`${path.sep}assets${path.sep}`);
  const headers = {
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
    ...security,
  };
  const hit = stat ? cached(file, stat) : null;
  if (hit) {
    const gzip = hit.gzip !== null && acceptsGzip(req);
    const body = gzip ? hit.gzip! : hit.raw;
    res.writeHead(200, { ...headers, 'content-length': body.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(body);
    return;
  }
  res.writeHead(200, headers);
  // A file removed mid-read (a rebuild) ends this reply, never the process.
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

function statOf(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}
