// A page using the real `@tanstack/query-core` and TanStack's persister runtime with freshet's
// persister (tests/js/tanstack.test.mjs).
import { QueryClient, QueryObserver } from '@tanstack/query-core';
import { persistQueryClientRestore, persistQueryClientSubscribe } from '@tanstack/query-persist-client-core';
import { createCache } from 'freshet';
import { connectQueryClient, createFreshetPersister, freshetQueryFn } from 'freshet/tanstack';

const CHAPTER = '/studio/api/chapters/s1c1';
const cache = await createCache({ routes: [{ pattern: '/studio/api/chapters/:id', pageType: 'reading' }] });
const client = new QueryClient({ defaultOptions: { queries: { queryFn: freshetQueryFn(cache), staleTime: 60_000, gcTime: 86_400_000 } } });
const persister = createFreshetPersister(cache);

// What TanStack's persister restored, before any query function could run.
await persistQueryClientRestore({ queryClient: client, persister, maxAge: 86_400_000 });
window.restored = client.getQueryData([CHAPTER]) ?? null;
persistQueryClientSubscribe({ queryClient: client, persister });
connectQueryClient(cache, client);

// The page shows what a QueryObserver (what useQuery uses) delivers.
const shown = document.getElementById('root');
const observer = new QueryObserver(client, { queryKey: [CHAPTER] });
observer.subscribe((result) => {
  if (result.data) shown.textContent = result.data.scenes[0].title;
});
const first = observer.getCurrentResult();
shown.textContent = first.data ? first.data.scenes[0].title : 'loading';

Object.assign(window, {
  cache,
  client,
  renameScene: (title) => cache.fetch('/studio/api/scenes/s1c1x1', {
    method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title }),
  }).then((response) => response.status),
});

// For the scope test: the adapter and the entry point themselves.
window.tanstack = { createFreshetPersister };
window.freshetModule = { createCache };
