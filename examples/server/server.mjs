// The demo server: wires the store, the API, the /__test endpoints, fault injection and static
// files into one node:http server on 127.0.0.1.
//
//   node examples/server/server.mjs [--port N]     (default: $PORT, else 8787; 0 = any free port)
//
// Once listening it prints exactly one line, `freshet demo: http://127.0.0.1:PORT/`, so scripts
// can wait for it and read the URL. Tests import `startServer` instead and run it in-process.
import http from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore } from './data.mjs';
import { createFaults } from './faults.mjs';
import { sendError, sendPreflight } from './http.mjs';
import { createRequestLog } from './requests.mjs';
import { HttpError } from './router.mjs';
import { createApi, isApiPath } from './routes.mjs';
import { createStatic } from './static.mjs';
import { TEST_PREFIX, createControlApi } from './control.mjs';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 8787;
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Builds the request handler and the state behind it; exported for in-process tests. */
export function createApp({ repoRoot = REPO_ROOT } = {}) {
  const store = createStore();
  const faults = createFaults();
  const requests = createRequestLog();
  const api = createApi(store);
  const controlApi = createControlApi({ store, faults, requests });
  const serveStatic = createStatic(repoRoot);
  const timers = new Set();

  // Delays are tracked so that closing the server does not wait for a pending fault.
  const sleep = (ms) => new Promise((done) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      done();
    }, ms);
    timers.add(timer);
  });

  // The handler answers now (its data and Date are of this moment); the bytes leave later.
  // Node sends the head with the first body chunk, so holding `end` holds the whole answer.
  function holdBack(res, released) {
    const end = res.end.bind(res);
    res.end = (...args) => {
      released.then(() => {
        if (!res.destroyed) end(...args);
      });
      return res;
    };
  }

  async function route(req, res) {
    // The raw target, not a parsed URL: the parser would resolve `..` and hide a traversal.
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith('/')) throw new HttpError(400, 'expected an origin-form request target');

    if (path.startsWith(TEST_PREFIX)) {
      if (req.method === 'OPTIONS') return sendPreflight(req, res);
      if (!(await controlApi(req, res, path))) throw new HttpError(404, `no test endpoint ${path}`);
      return;
    }

    const isApi = isApiPath(path);
    if (isApi) requests.record(req, res, path);

    const fault = faults.take(req.method, path);
    if (fault) {
      if (fault.delayMs > 0) await sleep(fault.delayMs);
      if (res.destroyed) return;
      if (fault.status !== null) {
        return sendError(req, res, fault.status, `injected fault ${fault.id}: ${req.method} ${path}`);
      }
      if (fault.holdMs > 0) holdBack(res, sleep(fault.holdMs));
    }

    if (req.method === 'OPTIONS') return sendPreflight(req, res);
    if (!isApi) return serveStatic(req, res, path);
    if (!(await api(req, res, path))) throw new HttpError(404, `no route for ${req.method} ${path}`);
  }

  function handle(req, res) {
    route(req, res).catch((error) => {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof HttpError) {
        sendError(req, res, error.status, error.message, error.headers);
      } else {
        console.error('freshet demo: handler failed:', error);
        sendError(req, res, 500, 'internal server error');
      }
    });
  }

  return { handle, store, faults, requests, cancelTimers: () => timers.forEach(clearTimeout) };
}

/**
 * Starts the demo server on 127.0.0.1. Resolves once listening with
 * `{ url, port, close }`; `url` has no trailing slash (`http://127.0.0.1:PORT`), and `close()`
 * drops open connections and pending fault delays, resolving once the server has stopped.
 */
export function startServer({ port = DEFAULT_PORT, repoRoot = REPO_ROOT } = {}) {
  const app = createApp({ repoRoot });
  const server = http.createServer(app.handle);
  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(port, HOST, () => {
      server.off('error', rejectStart);
      const actualPort = server.address().port;
      const close = () => new Promise((done) => {
        app.cancelTimers();
        server.close(() => done());
        server.closeAllConnections();
      });
      resolveStart({ url: `http://${HOST}:${actualPort}`, port: actualPort, close });
    });
  });
}

/** Reads `--port N` / `--port=N`, else $PORT, else 8787. Throws on a non-port value. */
export function parsePort(argv, env) {
  const flag = argv.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
  let value = env.PORT ?? String(DEFAULT_PORT);
  if (flag !== -1) value = argv[flag].includes('=') ? argv[flag].split('=')[1] : argv[flag + 1];
  const port = Number(value);
  if (value === undefined || value === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port ${JSON.stringify(value)}: expected an integer from 0 to 65535`);
  }
  return port;
}

async function main() {
  let port;
  try {
    port = parsePort(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`freshet demo: ${error.message}`);
    process.exit(2);
  }
  try {
    const { url, close } = await startServer({ port });
    console.log(`freshet demo: ${url}/`);
    const stop = () => close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    console.error(`freshet demo: cannot listen on ${HOST}:${port}: ${error.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
