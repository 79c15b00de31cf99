// Studio: the writer's stories, a story's outline (story and chapter titles, scenes) and the
// scene editor. Reads go through the cache; saves are optimistic mutations whose responses
// carry the invalidation headers that refresh every other view of what changed.
import { h, rerender } from '../ui.js';

const storiesUrl = '/studio/api/stories';
const storyUrl = (id) => `/studio/api/stories/${id}`;
const sceneUrl = (id) => `/studio/api/scenes/${id}`;
const json = (method, body) => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** `#/studio`: the writer's stories, each link prefetching its outline on hover. */
export async function stories(ctx) {
  const show = ({ stories: list }) => ctx.el.replaceChildren(
    h('h1', {}, 'Your stories'),
    h('ul', { class: 'cards' }, list.map((story) => h('li', {},
      h('a', { href: `#/studio/${story.id}`, dataset: { prefetch: storyUrl(story.id), story: story.id } }, story.title),
      h('div', { class: 'muted' }, `${story.chapterCount} chapters · ${story.published ? 'published' : 'draft'}`),
    ))),
  );
  show(await ctx.read(storiesUrl));
  ctx.watch(storiesUrl, show);
  ctx.prefetchLinks(ctx.el);
}

/**
 * A text field with a Save button that sends `save(value)`; `status` tells how it went. The
 * outline re-renders when the story changes, so the field marks itself dirty while edited.
 */
function titleField(label, id, value, save, status, ctx) {
  const input = h('input', { id, value, 'aria-label': label, oninput: () => { input.dataset.dirty = ''; } });
  const submit = async (event) => {
    event.preventDefault();
    status.textContent = `Saving ${label.toLowerCase()}…`;
    try {
      await save(input.value);
      delete input.dataset.dirty;
      status.textContent = `Saved ${label.toLowerCase()}`;
    } catch (error) {
      status.textContent = `${label} not saved`;
      ctx.fail(error);
    }
  };
  return h('form', { class: 'row', onsubmit: submit }, input, h('button', { type: 'submit', id: `save-${id}` }, 'Save'));
}

/** Removes scene `id` from an outline, for the optimistic delete. */
const withoutScene = (id) => (story) => story && {
  ...story,
  chapters: story.chapters.map((chapter) => ({ ...chapter, scenes: chapter.scenes.filter((s) => s.id !== id) })),
};

/** `#/studio/:story`: the story's title, its chapters' titles and its scenes. */
export async function outline(ctx) {
  const [storyId] = ctx.params;
  const url = storyUrl(storyId);
  const saveStory = (title) => ctx.send(`${url}/write`, json('PATCH', { title }));
  const saveChapter = (chapterId) => (title) => ctx.send(`/studio/api/chapters/${chapterId}`, json('PATCH', { title }));
  const remove = (sceneId) => ctx.cache.mutate(url, {
    optimisticData: withoutScene(sceneId),
    request: { url: sceneUrl(sceneId), method: 'DELETE' },
  }).catch(ctx.fail);

  // Outside the re-rendered part, so that a save's message outlives the refresh it causes.
  const status = h('p', { class: 'status', role: 'status', id: 'outline-status' });
  const body = h('div');
  ctx.el.replaceChildren(h('p', {}, h('a', { href: '#/studio' }, '← Your stories')), status, body);
  const show = (story) => rerender(body,
    h('h1', { id: 'story-title' }, story.title),
    h('label', { for: 'title' }, 'Story title'),
    titleField('Story title', 'title', story.title, saveStory, status, ctx),
    h('div', { class: 'outline' }, h('ol', { id: 'outline' }, story.chapters.map((chapter) => h('li', { dataset: { chapter: chapter.id } },
      titleField(`Title of ${chapter.title}`, `chapter-${chapter.id}`, chapter.title, saveChapter(chapter.id), status, ctx),
      h('ol', {}, chapter.scenes.map((scene) => h('li', { dataset: { scene: scene.id } },
        h('a', { href: `#/studio/${storyId}/scene/${scene.id}` }, scene.title),
        ' ',
        h('button', { type: 'button', class: 'delete', 'aria-label': `Delete ${scene.title} of ${chapter.title}`, onclick: () => remove(scene.id) }, 'Delete'),
      ))),
    )))),
  );
  show(await ctx.read(url));
  ctx.watch(url, show);
}

/** `#/studio/:story/scene/:scene`: edit a scene's title and text; save or delete it. */
export async function editor(ctx) {
  const [storyId, sceneId] = ctx.params;
  const url = sceneUrl(sceneId);
  const scene = await ctx.read(url);
  const title = h('input', { id: 'scene-title', value: scene.title });
  const text = h('textarea', { id: 'scene-text', value: scene.text });
  const status = h('span', { class: 'status', role: 'status', id: 'save-status' });
  // The fields follow the cache (another tab's save, a late revalidation) until the writer types.
  let dirty = false;
  const markDirty = () => { dirty = true; status.textContent = 'Unsaved changes'; };
  title.addEventListener('input', markDirty);
  text.addEventListener('input', markDirty);
  ctx.watch(url, (value) => {
    if (dirty) return;
    title.value = value.title;
    text.value = value.text;
  });

  const save = async (event) => {
    event.preventDefault();
    const patch = { title: title.value, text: text.value };
    status.textContent = 'Saving…';
    try {
      // The optimistic value shows at once everywhere the scene is read; the response
      // becomes the confirmed value, and its headers invalidate the chapter and story views.
      await ctx.cache.mutate(url, {
        optimisticData: (current) => ({ ...current, ...patch }),
        request: { url, ...json('PATCH', patch) },
        populateCache: true,
      });
      dirty = false;
      status.textContent = 'Saved';
    } catch (error) {
      status.textContent = 'Not saved';
      ctx.fail(error);
    }
  };
  const remove = async () => {
    try {
      await ctx.send(url, { method: 'DELETE' });
      ctx.navigate(`#/studio/${storyId}`);
    } catch (error) {
      ctx.fail(error);
    }
  };

  ctx.el.replaceChildren(
    h('p', {}, h('a', { href: `#/studio/${storyId}` }, '← Outline')),
    h('h1', {}, `Editing ${scene.title.trim() || 'a scene'}`),
    h('form', { onsubmit: save },
      h('label', { for: 'scene-title' }, 'Scene title'), title,
      h('label', { for: 'scene-text' }, 'Text'), text,
      h('p', { class: 'row' },
        h('button', { type: 'submit', class: 'primary', id: 'save' }, 'Save'),
        h('button', { type: 'button', id: 'delete', onclick: remove }, 'Delete scene'),
        status)),
  );
}
