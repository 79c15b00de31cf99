// The `/__test/*` control endpoints: reset the data, inject faults, read the request counters.
// They are not counted and never faulted, so a test's own bookkeeping does not disturb what it
// measures.
import { readJsonBody, sendJson } from './http.mjs';
import { createRouter } from './router.mjs';

export const TEST_PREFIX = '/__test/';

export function createControlApi({ store, faults, requests }) {
  return createRouter([
    ['/__test/reset', {
      // Back to a clean slate: seed data, no counters, no pending faults.
      POST: ({ req, res }) => {
        store.reset();
        requests.reset();
        faults.clear();
        sendJson(req, res, 200, { ok: true });
      },
    }],
    ['/__test/faults', {
      GET: ({ req, res }) => sendJson(req, res, 200, { faults: faults.list() }),
      POST: async ({ req, res }) => sendJson(req, res, 201, { fault: faults.add(await readJsonBody(req)) }),
      DELETE: ({ req, res }) => sendJson(req, res, 200, { cleared: faults.clear() }),
    }],
    ['/__test/requests', {
      GET: ({ req, res }) => sendJson(req, res, 200, requests.snapshot()),
    }],
    // Answers with the headers named in the query (`?X-Cache-Invalidate-Keys=story:1:*`), so
    // browser tests can send every header form through a real HTTP response. Any method.
    ['/__test/headers', Object.fromEntries(['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].map((method) => [
      method,
      ({ req, res }) => {
        const query = new URL(req.url, 'http://localhost').searchParams;
        const headers = {};
        // A name given twice becomes two header fields, as a proxy might send them.
        for (const [name, value] of query) headers[name] = [...(headers[name] ?? []), value];
        sendJson(req, res, 200, { ok: true }, headers);
      },
    ]))],
    ['/__test/requests/reset', {
      POST: ({ req, res }) => {
        requests.reset();
        sendJson(req, res, 200, { ok: true });
      },
    }],
  ]);
}
