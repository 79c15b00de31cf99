// Response helpers shared by every handler: the headers each response carries, JSON bodies,
// ETag/304 for reads, and request-body parsing.
import { cacheTagsHeader } from '../../js/server/headers.js';
import { HttpError } from './router.mjs';

// Cross-origin test pages (another 127.0.0.1 port) must be able to read these, or freshet would
// see no tags, no validators and no invalidations on their responses.
export const EXPOSED_HEADERS = [
  'Date',
  'ETag',
  'Last-Modified',
  'X-Cache-Tags',
  'Surrogate-Key',
  'Cache-Tag',
  'X-Cache-Invalidate',
  'X-Cache-Invalidate-Keys',
  'X-Cache-Invalidate-Timestamp',
  'Clear-Site-Data',
];
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOWED_HEADERS = '*, Content-Type, If-None-Match, If-Modified-Since';
const MAX_BODY_BYTES = 1 << 20;

/**
 * Headers on every response. Date is set explicitly (not left to Node) because freshet compares
 * it with invalidation timestamps; CORS echoes the Origin so credentialed requests work too.
 */
export function baseHeaders(req, cacheControl) {
  const origin = req.headers.origin;
  const headers = {
    Date: new Date().toUTCString(),
    'Cache-Control': cacheControl,
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Expose-Headers': EXPOSED_HEADERS.join(', '),
    Vary: 'Origin',
  };
  if (origin) headers['Access-Control-Allow-Credentials'] = 'true';
  return headers;
}

/** Answers a CORS preflight. */
export function sendPreflight(req, res) {
  res.writeHead(204, { ...baseHeaders(req, 'no-cache'), 'Access-Control-Max-Age': '600' });
  res.end();
}

/** Sends `body` as JSON; 204 and 304 carry no body by definition. */
export function sendJson(req, res, status, body, extraHeaders = {}) {
  const text = status === 204 || status === 304 || body === undefined ? undefined : JSON.stringify(body);
  writeJsonText(req, res, status, text, extraHeaders);
}

function writeJsonText(req, res, status, text, extraHeaders) {
  const headers = { ...baseHeaders(req, 'no-cache'), ...extraHeaders };
  if (text === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  // JSON is UTF-8 by definition (RFC 8259), so no charset parameter.
  headers['Content-Type'] = 'application/json';
  headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}

export function sendError(req, res, status, message, extraHeaders = {}) {
  sendJson(req, res, status, { error: message }, extraHeaders);
}

// FNV-1a over the UTF-16 code units, twice with different offsets, plus the length: collisions
// between two versions of one resource are negligible, and node:crypto is not needed.
export function etagOf(text) {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
    b = (b ^ (b >>> 15)) >>> 0;
  }
  return `"${text.length.toString(36)}-${a.toString(36)}${b.toString(36)}"`;
}

// If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored.
function matchesIfNoneMatch(header, etag) {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const strip = (tag) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => strip(tag) === strip(etag));
}

/** Sends a read: JSON body, its strong ETag and `X-Cache-Tags`; 304 when the client has it. */
export function sendRead(req, res, body, tags) {
  const text = JSON.stringify(body);
  const etag = etagOf(text);
  const headers = { ETag: etag, ...cacheTagsHeader(tags) };
  if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) {
    writeJsonText(req, res, 304, undefined, headers);
  } else {
    writeJsonText(req, res, 200, text, headers);
  }
}

/** Reads the request body as JSON; 400 on malformed JSON, 413 past 1 MiB. Empty → undefined. */
export async function readJsonBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body larger than 1 MiB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}
