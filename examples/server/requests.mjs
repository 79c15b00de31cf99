// Counts the API requests the server received, so tests can assert how many network requests a
// cache made (a hit must make none, concurrent identical GETs must make one, and so on).
// CORS preflights are counted apart: whether a browser sends one depends on the page's origin,
// not on the cache.

const LOG_LIMIT = 1000;

export function createRequestLog() {
  let total = 0;
  let preflights = 0;
  let byRoute = {};
  let log = [];
  let seq = 0;

  return {
    /** Records a request; its status is filled in when the response finishes (null if aborted). */
    record(req, res, path) {
      if (req.method === 'OPTIONS') {
        preflights += 1;
        return;
      }
      const route = `${req.method} ${path}`;
      total += 1;
      byRoute[route] = (byRoute[route] ?? 0) + 1;
      const entry = {
        seq: ++seq,
        method: req.method,
        url: req.url,
        status: null,
        ifNoneMatch: req.headers['if-none-match'] ?? null,
        at: new Date().toISOString(),
      };
      res.once('finish', () => {
        entry.status = res.statusCode;
      });
      log.push(entry);
      if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT);
    },

    reset() {
      total = 0;
      preflights = 0;
      byRoute = {};
      log = [];
    },

    snapshot() {
      return { total, byRoute: { ...byRoute }, preflights, log: log.map((entry) => ({ ...entry })) };
    },
  };
}
