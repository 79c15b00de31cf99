// freshet/tanstack: TanStack Query on top of a freshet cache.
//  - createFreshetPersister(cache): a `Persister` for persistQueryClient that keeps one record per
//    query in freshet's storage tier (scopes, byte budget, quota eviction, `clear()`), rewriting
//    only the queries that changed since the last persist.
//  - freshetQueryFn(cache) and connectQueryClient(cache, client): queries keyed by a URL read
//    through freshet, and get its refetched data when an invalidation header names them.

const DAY = 86_400_000;
const isUrl = (key) => typeof key === 'string' && (key.charCodeAt(0) === 47 /* '/' */ || key.startsWith('http'));

const parse = (text) => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

// What decides whether a query's record is rewritten: everything but `dehydratedAt`, which
// `dehydrate` sets to the current time on every persist. The record keeps the older one, which
// still dates its (unchanged) data.
const signatureOf = ({ dehydratedAt, ...rest }) => JSON.stringify(rest);

/** A TanStack Query `Persister` whose storage is `cache`'s localStorage tier, one record per query. */
export function createFreshetPersister(cache, { key = 'tanstack', maxAge = DAY } = {}) {
  const queryPrefix = `${key}:q:`;
  const clientName = `${key}:client`;
  // Record name → the text last written, per scope: unchanged queries are not rewritten.
  let written = new Map();
  let writtenScope;
  const scoped = () => {
    const scope = cache.storageInfo().scope;
    if (scope !== writtenScope) {
      written = new Map();
      writtenScope = scope;
    }
    return written;
  };

  return {
    async persistClient(client) {
      const seen = scoped();
      const { queries = [], ...rest } = client.clientState;
      const names = new Set();
      for (const query of queries) {
        const name = queryPrefix + query.queryHash;
        names.add(name);
        const signature = signatureOf(query);
        if (seen.get(name) === signature) continue;
        // A query too large for the entry budget stays memory-only (its old record is gone).
        if (cache.persistRecord(name, JSON.stringify(query), maxAge)) seen.set(name, signature);
        else seen.delete(name);
      }
      for (const name of cache.recordNames(queryPrefix)) {
        if (!names.has(name)) {
          cache.removeRecord(name);
          seen.delete(name);
        }
      }
      const head = { timestamp: client.timestamp, buster: client.buster, clientState: rest };
      cache.persistRecord(clientName, JSON.stringify(head), maxAge);
    },
    async restoreClient() {
      const head = parse(cache.readRecord(clientName));
      if (head === undefined || head === null || typeof head !== 'object') return undefined;
      const seen = scoped();
      const queries = [];
      for (const name of cache.recordNames(queryPrefix)) {
        const query = parse(cache.readRecord(name));
        if (query === null || typeof query !== 'object') continue;
        queries.push(query);
        seen.set(name, signatureOf(query));
      }
      return { timestamp: head.timestamp, buster: head.buster, clientState: { mutations: [], ...head.clientState, queries } };
    },
    async removeClient() {
      for (const name of cache.recordNames(`${key}:`)) cache.removeRecord(name);
      scoped().clear();
    },
  };
}

/** The URL a query reads: its key's first element when that is a path or an absolute URL. */
export function queryUrl(queryKey) {
  const first = Array.isArray(queryKey) ? queryKey[0] : undefined;
  return isUrl(first) ? first : undefined;
}

/** A `queryFn` reading the query's URL (`queryKey[0]`) through `cache`. */
export function freshetQueryFn(cache, options) {
  return ({ queryKey }) => {
    const url = queryUrl(queryKey);
    if (url === undefined) return Promise.reject(new TypeError(`freshet: query key ${JSON.stringify(queryKey)} names no URL`));
    return cache.get(url, options);
  };
}

/**
 * Subscribes `cache` to the URL of every query in `client` (added later too), so a value freshet
 * refetches after an invalidation becomes the query's data. Returns the function that stops it.
 */
export function connectQueryClient(cache, client) {
  const queries = client.getQueryCache();
  const stops = new Map();
  const watch = (query) => {
    const url = queryUrl(query.queryKey);
    if (url === undefined || stops.has(query.queryHash)) return;
    stops.set(query.queryHash, cache.subscribe(url, (value) => {
      if (value !== undefined && client.getQueryData(query.queryKey) !== value) client.setQueryData(query.queryKey, value);
    }));
  };
  const unwatch = (query) => {
    stops.get(query.queryHash)?.();
    stops.delete(query.queryHash);
  };
  for (const query of queries.getAll()) watch(query);
  const stop = queries.subscribe((event) => {
    if (event.type === 'added') watch(event.query);
    else if (event.type === 'removed') unwatch(event.query);
  });
  return () => {
    stop();
    for (const unsubscribe of stops.values()) unsubscribe();
    stops.clear();
  };
}
