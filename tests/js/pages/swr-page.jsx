// A React page using the real `swr` with freshet's provider (tests/js/swr.test.mjs).
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import useSWR, { SWRConfig, useSWRConfig } from 'swr';
import { createCache } from 'freshet';
import { freshetFetcher, freshetProvider } from 'freshet/swr';

export const CHAPTER = '/studio/api/chapters/s1c1';

function Chapter() {
  const { data } = useSWR(CHAPTER);
  const { mutate } = useSWRConfig();
  useEffect(() => {
    window.swrMutate = mutate;
  }, [mutate]);
  return <p id="scene">{data ? data.scenes[0].title : 'loading'}</p>;
}

const cache = await createCache({ routes: [{ pattern: '/studio/api/chapters/:id', pageType: 'reading' }] });
window.cache = cache;
// A write as the app sends it: through the cache, so its invalidation headers apply.
window.renameScene = (title) => cache.fetch('/studio/api/scenes/s1c1x1', {
  method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title }),
}).then((response) => response.status);

createRoot(document.getElementById('root')).render(
  <SWRConfig value={{ provider: () => freshetProvider(cache), fetcher: freshetFetcher(cache) }}>
    <Chapter />
  </SWRConfig>,
);
