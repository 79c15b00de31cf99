// Static files: the demo pages, the built npm package (pkg/), benchmark pages and browser tests.
// Only a few repository folders are reachable, and never anything above them.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { baseHeaders, sendError } from './http.mjs';

// Browsers refuse module scripts without a JavaScript type and compile wasm streamingly only
// with application/wasm, so these two must be exact.
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** URL prefix → folder of the repository it serves. */
function mounts(repoRoot) {
  return [
    ['/pages/', join(repoRoot, 'examples', 'pages')],
    ['/pkg/', join(repoRoot, 'pkg')],
    ['/node_modules/', join(repoRoot, 'node_modules')],
    ['/bench/', join(repoRoot, 'bench')],
    ['/tests/', join(repoRoot, 'tests')],
  ];
}

// Decodes the raw path and refuses `..` segments: the WHATWG URL parser would silently resolve
// them, hiding the attempt, so the raw request target is checked instead. Returns null if bad.
function safeSegments(rawPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/');
  return segments.includes('..') ? null : segments;
}

/** Maps a raw request path to a file path, or returns a status (400 bad path, 404 unmounted). */
export function resolveStaticPath(repoRoot, rawPath) {
  if (safeSegments(rawPath) === null) return 400;
  if (rawPath === '/') return join(repoRoot, 'examples', 'pages', 'index.html');
  for (const [prefix, folder] of mounts(repoRoot)) {
    if (!rawPath.startsWith(prefix)) continue;
    const rest = safeSegments(rawPath.slice(prefix.length));
    const file = resolve(folder, ...rest.filter((s) => s !== '' && s !== '.'));
    // Defence in depth: whatever the decoding did, the result must stay inside the folder.
    if (file !== folder && !file.startsWith(folder + sep)) return 400;
    return file;
  }
  return 404;
}

async function fileStats(file) {
  try {
    const stats = await stat(file);
    if (stats.isFile()) return { file, stats };
    if (stats.isDirectory()) return fileStats(join(file, 'index.html'));
  } catch {
    // Missing or unreadable: a 404 either way.
  }
  return null;
}

// The benchmark page is cross-origin isolated: browsers then give `performance.now()` 5 µs
// steps instead of 100 µs, which rows of few, fast operations need. Everything it loads is
// same-origin, so isolation costs it nothing.
const ISOLATED = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Creates the static handler; `no-store` so a rebuilt pkg/ is always picked up. */
export function createStatic(repoRoot) {
  return async function serveStatic(req, res, rawPath) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(req, res, 405, `method ${req.method} not allowed on static files`, { Allow: 'GET, HEAD' });
      return;
    }
    const target = resolveStaticPath(repoRoot, rawPath);
    if (target === 400) return sendError(req, res, 400, 'bad path');
    const found = target === 404 ? null : await fileStats(target);
    if (!found) return sendError(req, res, 404, `no file at ${rawPath}`);

    const type = CONTENT_TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, {
      ...baseHeaders(req, 'no-store'),
      ...(rawPath.startsWith('/bench/') ? ISOLATED : {}),
      'Content-Type': type,
      'Content-Length': String(found.stats.size),
    });
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}
