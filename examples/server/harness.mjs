// Shared by the server's tests: one in-process server per test file, reset before each test,
// and small request helpers. (Named so that `node --test examples/server/` does not run it.)
import { after, before, beforeEach } from 'node:test';
import http from 'node:http';
import { startServer } from './server.mjs';

/** Starts a server for the calling test file; returns an object whose `url` is set by `before`. */
export function useServer() {
  const ctx = { url: '' };
  let server;
  before(async () => {
    server = await startServer({ port: 0 });
    ctx.url = server.url;
  });
  after(() => server.close());
  beforeEach(() => fetch(`${ctx.url}/__test/reset`, { method: 'POST' }));
  return ctx;
}

/** fetch + the body as text and, for JSON responses, parsed (else null). */
export async function request(base, path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  const isJson = response.headers.get('content-type') === 'application/json';
  const json = isJson && text !== '' ? JSON.parse(text) : null;
  return { status: response.status, headers: response.headers, json, text };
}

/** A raw request: node:http sends the path exactly as given (fetch would resolve `..`). */
export function rawRequest(base, path, { method = 'GET', headers = {} } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The invalidation headers of a write response, ignoring the timestamp's value. */
export function invalidation(headers) {
  return {
    pageTypes: headers.get('x-cache-invalidate'),
    keys: headers.get('x-cache-invalidate-keys'),
    timestamp: headers.get('x-cache-invalidate-timestamp'),
  };
}
