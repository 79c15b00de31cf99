// Path patterns with `:param` segments, and a tiny method dispatcher over them.
//
// One matcher serves both the API routes and the fault rules, so that a fault on
// `/community/api/posts/:postId/like` matches exactly the requests that route handles.

/** Compiles `/a/:id/b` into a function returning `{ id }` for a matching path, or null. */
export function compilePattern(pattern) {
  const expected = pattern.split('/');
  return (path) => {
    const actual = path.split('/');
    if (actual.length !== expected.length) return null;
    const params = {};
    for (let i = 0; i < expected.length; i++) {
      if (expected[i].startsWith(':')) {
        if (actual[i] === '') return null;
        params[expected[i].slice(1)] = safeDecode(actual[i]);
      } else if (expected[i] !== actual[i]) {
        return null;
      }
    }
    return params;
  };
}

function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape cannot name a seeded id, so the lookup will 404
  }
}

/** Thrown by handlers to answer with a JSON `{ error }`; the server turns it into a response. */
export class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/**
 * Builds a dispatcher over `[pattern, { METHOD: handler }]` pairs. The dispatcher returns false
 * when no pattern matches (the caller decides what a miss means) and throws a 405 HttpError when
 * the path matches but the method does not. HEAD falls back to GET; Node drops the body itself.
 */
export function createRouter(routes) {
  const compiled = routes.map(([pattern, handlers]) => ({ match: compilePattern(pattern), handlers }));
  return async function dispatch(req, res, path) {
    for (const { match, handlers } of compiled) {
      const params = match(path);
      if (params === null) continue;
      const handler = handlers[req.method] ?? (req.method === 'HEAD' ? handlers.GET : undefined);
      if (!handler) {
        const allow = Object.keys(handlers);
        if (allow.includes('GET')) allow.push('HEAD');
        throw new HttpError(405, `method ${req.method} not allowed on ${path}`, { Allow: allow.join(', ') });
      }
      await handler({ req, res, params });
      return true;
    }
    return false;
  };
}
