// Fault injection for end-to-end tests: "the next N requests to this route are delayed by D ms
// and/or answered with status S", or "answered at once but held back H ms" (`holdMs`: the
// answer reflects the data as it was when the request arrived, like a slow network would). Tests use it to check rollbacks, retries and races (SPEC §7)
// against real HTTP instead of a mocked fetch.
import { HttpError, compilePattern } from './router.mjs';

const MAX_DELAY_MS = 60_000;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function isIntegerIn(value, min, max) {
  return Number.isInteger(value) && value >= min && value <= max;
}

// Validates a `POST /__test/faults` body and fills in the defaults.
function parseRule(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'expected a JSON object {route, status?, count?, delayMs?, holdMs?, method?}');
  }
  const { route, status, count = 1, delayMs = 0, holdMs = 0, method } = body;
  if (typeof route !== 'string' || !route.startsWith('/')) {
    throw new HttpError(400, 'route must be a path starting with /, optionally with :param segments');
  }
  if (status !== undefined && !isIntegerIn(status, 200, 599)) {
    throw new HttpError(400, 'status must be an integer from 200 to 599');
  }
  if (!isIntegerIn(count, 1, 1_000_000)) throw new HttpError(400, 'count must be a positive integer');
  if (!isIntegerIn(delayMs, 0, MAX_DELAY_MS)) throw new HttpError(400, `delayMs must be 0..${MAX_DELAY_MS}`);
  if (!isIntegerIn(holdMs, 0, MAX_DELAY_MS)) throw new HttpError(400, `holdMs must be 0..${MAX_DELAY_MS}`);
  if (method !== undefined && (typeof method !== 'string' || !METHODS.includes(method.toUpperCase()))) {
    throw new HttpError(400, `method must be one of ${METHODS.join(', ')}`);
  }
  return { route, method: method?.toUpperCase() ?? null, status: status ?? null, count, delayMs, holdMs };
}

/** Creates an empty set of fault rules. */
export function createFaults() {
  let rules = [];
  let nextId = 1;

  const view = ({ id, route, method, status, remaining, delayMs, holdMs }) =>
    ({ id, route, method, status, count: remaining, delayMs, holdMs });

  return {
    /** Adds a rule from a request body; returns its public view. Throws HttpError 400. */
    add(body) {
      const rule = parseRule(body);
      const stored = { ...rule, id: nextId++, remaining: rule.count, match: compilePattern(rule.route) };
      rules.push(stored);
      return view(stored);
    },

    list() {
      return rules.map(view);
    },

    /** Removes every rule; returns how many there were. */
    clear() {
      const count = rules.length;
      rules = [];
      return count;
    },

    /**
     * Consumes one use of the oldest rule matching this request, or returns null.
     * A rule without a method never matches OPTIONS: a browser's CORS preflight must not use up
     * the fault meant for the request it precedes.
     */
    take(method, path) {
      const rule = rules.find((r) =>
        (r.method === null ? method !== 'OPTIONS' : r.method === method) && r.match(path) !== null);
      if (!rule) return null;
      rule.remaining -= 1;
      if (rule.remaining === 0) rules = rules.filter((r) => r !== rule);
      return { status: rule.status, delayMs: rule.delayMs, holdMs: rule.holdMs, id: rule.id };
    },
  };
}
