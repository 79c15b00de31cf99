// Reader: the published stories and a story's full text, read through the `reading` page type
// (fresh for 5 min, so a revisit costs no request — unless a studio save has invalidated it).
import { h } from '../ui.js';

const novelUrl = (id) => `/novels/api/stories/${id}`;

/** `#/read`: the published stories, each link prefetching its text on hover. */
export async function shelf(ctx) {
  const { stories } = await ctx.read('/studio/api/stories');
  ctx.el.replaceChildren(
    h('h1', {}, 'Read'),
    h('ul', { class: 'cards' }, stories.filter((s) => s.published).map((story) => h('li', {},
      h('a', { href: `#/read/${story.id}`, dataset: { prefetch: novelUrl(story.id), story: story.id } }, story.title),
      h('div', { class: 'muted' }, story.summary),
    ))),
  );
  ctx.prefetchLinks(ctx.el);
}

/** `#/read/:story`: the story as readers see it. */
export async function story(ctx) {
  const [storyId] = ctx.params;
  const url = novelUrl(storyId);
  const show = (novel) => ctx.el.replaceChildren(
    h('p', {}, h('a', { href: '#/read' }, '← All stories')),
    h('article', { class: 'reader' },
      h('h1', { id: 'story-title' }, novel.title),
      h('p', { class: 'muted' }, novel.summary),
      novel.chapters.map((chapter) => h('section', { dataset: { chapter: chapter.id } },
        h('h2', {}, chapter.title),
        chapter.scenes.map((scene) => h('p', { dataset: { scene: scene.id } }, scene.text)),
      ))),
  );
  show(await ctx.read(url));
  ctx.watch(url, show);
}
