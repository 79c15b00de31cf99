// The first demo page: reads the studio API through freshet and logs where each read came from.
import { createCache } from '/pkg/index.js';

const cache = await createCache({
  routes: [
    { pattern: '/studio/api/stories', pageType: 'writing', tags: ['stories:mine'] },
    { pattern: '/studio/api/stories/:id', pageType: 'writing', tags: ['story:{id}'] },
    { pattern: '/novels/api/stories/:id', pageType: 'reading', tags: ['story:{id}'] },
    { pattern: '/community/api/*', pageType: 'community' },
  ],
});
window.freshetCache = cache; // for poking at it from the console

// The demo is the dev build: it carries the debug overlay (Ctrl+Shift+D panel, Ctrl+Shift+M
// dashboard), a separate entry point that the core package never imports.
const { installOverlay } = await import('/pkg/overlay.js');
installOverlay(cache);

const log = document.getElementById('log');

/** Reads `url` through the cache and logs whether memory or the network answered. */
async function read(url) {
  // inspect, not peek: it does not count as a read in the metrics the overlay shows.
  const state = cache.inspect(url)?.state;
  const fromMemory = state === 'fresh' || state === 'stale';
  const started = performance.now();
  try {
    const value = await cache.get(url);
    const ms = (performance.now() - started).toFixed(1);
    const where = fromMemory ? 'memory' : 'network';
    line(`${where.padEnd(7)} ${ms.padStart(6)} ms  GET ${url}  (${cache.inspect(url)?.state ?? 'not cached'})`, where);
    return value;
  } catch (error) {
    line(`error   GET ${url}: ${error.message}`, 'error');
    throw error;
  }
}

function line(text, kind) {
  const div = document.createElement('div');
  div.className = kind;
  div.textContent = text;
  log.prepend(div);
}

async function showStory(id) {
  const story = await read(`/studio/api/stories/${id}`);
  document.getElementById('title').textContent = story.title;
  const outline = document.getElementById('outline');
  outline.replaceChildren(...story.chapters.map((chapter) => {
    const li = document.createElement('li');
    li.textContent = `${chapter.title} — ${chapter.scenes.length} scenes`;
    return li;
  }));
}

async function showStories() {
  const { stories } = await read('/studio/api/stories');
  const list = document.getElementById('stories');
  list.replaceChildren(...stories.map((story) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.textContent = story.title;
    button.dataset.story = story.id;
    button.addEventListener('click', () => showStory(story.id));
    li.append(button);
    return li;
  }));
}

document.getElementById('clear').addEventListener('click', () => {
  cache.clear();
  line('cache cleared', 'memory');
});

showStories();
