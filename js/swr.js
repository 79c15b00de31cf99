// freshet/swr: an SWR cache provider backed by a freshet cache.
//   <SWRConfig value={{ provider: () => freshetProvider(cache), fetcher: freshetFetcher(cache) }}>
// SWR keeps its own per-key state (error, isValidating, …) here; the data of URL keys lives in
// freshet, so hooks get its memory and localStorage tiers, and an invalidation (a response
// header, another tab, `cache.invalidate`) that makes freshet refetch a key is pushed into the
// hooks of that key.
// `swr/_internal` is an entry point of the swr package (swr/infinite and swr/mutation build on
// it); its `internalMutate(provider, …)` is the `mutate` SWR binds to this provider, reached
// without a React hook.
import { internalMutate } from 'swr/_internal';

// SWR serializes a plain string key to itself; URL-shaped ones are freshet request keys. Other
// keys (arrays, objects, `$inf$…`) stay SWR-only.
const isUrl = (key) => typeof key === 'string' && (key.charCodeAt(0) === 47 /* '/' */ || key.startsWith('http'));

/** An SWR `Cache` whose URL keys read and write `cache`. */
export function freshetProvider(cache) {
  const states = new Map();
  const stops = new Map();

  // Each URL key SWR touches is subscribed, so that freshet refetches it as soon as something
  // invalidates it and hands the new value over; SWR's bound `mutate` (looked up by this
  // provider object) then updates every hook of the key without a second request.
  const watch = (key) => {
    if (stops.has(key)) return;
    stops.set(key, cache.subscribe(key, (value) => {
      const state = states.get(key);
      // While SWR fetches the key its own result arrives anyway: a read through freshet that
      // an invalidation overtook is refetched before it resolves.
      if (value === undefined || state?.data === value || state?.isValidating) return;
      // Rejects only when no SWRConfig uses this provider yet; nothing to update then.
      internalMutate(provider, key, value, { revalidate: false }).catch(() => {});
    }));
  };

  const provider = {
    keys() {
      return states.keys();
    },
    get(key) {
      let state = states.get(key);
      if (state !== undefined || !isUrl(key)) return state;
      // SWR has no state for the key yet (first use, or after a reload): freshet's value, from
      // memory or its persisted record, is the data. Later changes reach SWR through `set` or
      // the subscription, never by changing a state object under it.
      watch(key);
      const value = cache.peek(key);
      if (value === undefined) return undefined;
      state = { data: value };
      states.set(key, state);
      return state;
    },
    set(key, state) {
      const previous = states.get(key);
      states.set(key, state);
      if (!isUrl(key)) return;
      watch(key);
      // Data SWR got elsewhere (its own fetcher, `mutate(key, data)`) becomes freshet's
      // confirmed value, so invalidations find it. SWR sets the same data again with each
      // flag change; only new data goes through.
      const data = state?.data;
      if (data !== undefined && data !== previous?.data && data !== cache.peek(key)) cache.set(key, data);
    },
    delete(key) {
      states.delete(key);
      stops.get(key)?.();
      stops.delete(key);
    },
  };
  return provider;
}

/** An SWR fetcher that reads through `cache` (deduplicated, persisted, header-aware). */
export function freshetFetcher(cache, options) {
  return (url) => cache.get(url, options);
}
