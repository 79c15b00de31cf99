// The demo app: a small story platform (studio editor, reader, community feed) whose every read
// and write goes through freshet. Hash routes keep it a single page, so navigating is served
// from the memory tier and a reload from the localStorage tier.
import { createCache, wrapFetch } from '/pkg/index.js';
import { clearError, describe, logLine, showError } from './ui.js';
import * as studio from './views/studio.js';
import * as reader from './views/reader.js';
import * as community from './views/community.js';

/** The data keys the page at hash route `route` reads first. */
function dataOf(route) {
  const [, section, id, , sceneId] = route.split('/');
  if (section === 'studio') return [sceneId ? `/studio/api/scenes/${sceneId}` : id ? `/studio/api/stories/${id}` : '/studio/api/stories'];
  if (section === 'read') return [id ? `/novels/api/stories/${id}` : '/studio/api/stories'];
  if (section === 'community') return [id ? `/community/api/posts/${id}` : '/community/api/posts'];
  return [];
}

const cache = await createCache({
  routes: [
    { pattern: '/studio/api/stories', pageType: 'writing', tags: ['stories:mine'] },
    { pattern: '/studio/api/stories/:id', pageType: 'writing', tags: ['story:{id}'] },
    { pattern: '/studio/api/chapters/:id', pageType: 'writing', tags: ['chapter:{id}'] },
    { pattern: '/studio/api/scenes/:id', pageType: 'writing', tags: ['scene:{id}'] },
    { pattern: '/novels/api/stories/:id', pageType: 'reading', tags: ['story:{id}'] },
    { pattern: '/community/api/posts', pageType: 'community', tags: ['community:posts'] },
    { pattern: '/community/api/posts/:id', pageType: 'community', tags: ['post:{id}'] },
  ],
  // The predictor learns which page follows which this session and, at idle, prefetches the
  // data of the likeliest next page: this maps a page (a hash route) to the data it reads.
  prefetch: { routeKeys: dataOf },
});
window.freshetCache = cache; // for poking at it from the console (and for the e2e tests)

// The demo is the dev build: it carries the debug overlay (Ctrl+Shift+D panel, Ctrl+Shift+M
// dashboard), a separate entry point that the core package never imports.
const { installOverlay } = await import('/pkg/overlay.js');
installOverlay(cache);

/** Writes go through this `fetch`: the response's invalidation headers reach every tier and tab. */
const fetchThrough = wrapFetch(cache);

/** Sends a write; a non-2xx answer becomes an error the page shows. */
async function send(url, init) {
  const response = await fetchThrough(url, init);
  if (!response.ok) {
    const detail = await response.json().then((b) => b?.error, () => undefined);
    throw new Error(`The server answered ${response.status}${detail ? `: ${detail}` : ''}`);
  }
  return response;
}

// [pattern, view module export, section]: the first match wins.
const ROUTES = [
  [/^\/studio$/, studio.stories, 'studio'],
  [/^\/studio\/([\w-]+)$/, studio.outline, 'studio'],
  [/^\/studio\/([\w-]+)\/scene\/([\w-]+)$/, studio.editor, 'studio'],
  [/^\/read$/, reader.shelf, 'read'],
  [/^\/read\/([\w-]+)$/, reader.story, 'read'],
  [/^\/community$/, community.feed, 'community'],
  [/^\/community\/([\w-]+)$/, community.post, 'community'],
];

const view = document.getElementById('view');
let cleanups = [];

/** What a view gets: reads that log where they came from, subscriptions undone on leave. */
function context(params) {
  return {
    cache,
    send,
    params,
    el: view,
    navigate: (hash) => { location.hash = hash; },
    onLeave: (fn) => cleanups.push(fn),
    read,
    /** `listener(value)` on every change of `url` while this view is shown. */
    watch(url, listener) {
      cleanups.push(cache.subscribe(url, (value) => { if (value !== undefined) listener(value); }));
    },
    fail: (error) => showError(describe(error)),
    /** Prefetches, on hover, the data of every `a[data-prefetch]` under `root` (now and later). */
    prefetchLinks(root) {
      cleanups.push(cache.prefetchLinks(root, { keys: (_href, link) => [link.dataset.prefetch] }));
    },
  };
}

/** Reads `url` through the cache and logs whether the cache or the network answered. */
async function read(url) {
  // inspect, not peek: it does not count as a read in the metrics the overlay shows.
  const state = cache.inspect(url)?.state;
  const cached = state === 'fresh' || state === 'stale';
  const started = performance.now();
  try {
    const value = await cache.get(url);
    const ms = (performance.now() - started).toFixed(1);
    const where = cached ? 'memory' : 'network';
    logLine(`${where.padEnd(7)} ${ms.padStart(6)} ms  GET ${url}  (${cache.inspect(url)?.state ?? '-'})`, where);
    return value;
  } catch (error) {
    logLine(`error   GET ${url}: ${error.message}`, 'error');
    throw error;
  }
}

async function render() {
  for (const cleanup of cleanups.splice(0)) cleanup();
  clearError();
  const path = location.hash.replace(/^#/, '') || '/studio';
  const match = ROUTES.map(([pattern, show, section]) => [pattern.exec(path), show, section]).find(([m]) => m);
  if (!match) {
    view.replaceChildren('Nothing here. ');
    return;
  }
  const [[, ...params], show, section] = match;
  for (const link of document.querySelectorAll('header nav a')) {
    link.toggleAttribute('aria-current', link.dataset.section === section);
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
  }
  document.body.dataset.route = path;
  cache.recordNavigation(path);
  try {
    await show(context(params));
  } catch (error) {
    showError(describe(error));
  } finally {
    document.body.dataset.rendered = path;
  }
}

document.getElementById('clear').addEventListener('click', () => {
  cache.clear();
  logLine('cache cleared (memory, stored records, requests in flight; every tab)', 'memory');
  render();
});

window.addEventListener('hashchange', render);
render();
