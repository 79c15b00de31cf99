// The demo's API (SPEC §12): reads send `X-Cache-Tags` and an ETag, writes send the invalidation
// headers built by freshet's own server-side helper, so the demo exercises the real protocol.
//
// Read tags name the entity and everything it shows (a story's outline shows its chapters and
// scenes), so the upward cascade of a write (scene → chapter → story) reaches every view of it.
// Edits (PATCH, new post, reply) answer with the same shape as the matching read, so a client
// can confirm its cache entry from the write's response without a refetch.
import { invalidationHeaders } from '../../js/server/headers.js';
import { readJsonBody, sendJson, sendRead } from './http.mjs';
import { HttpError, createRouter } from './router.mjs';

function found(value, what, id) {
  if (value === null) throw new HttpError(404, `${what} ${id} not found`);
  return value;
}

// A write body must be a JSON object whose listed fields, when present, are strings. A PATCH
// must change something; `required` fields must be non-blank.
async function readFields(req, fields, required = []) {
  const body = await readJsonBody(req);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, `expected a JSON object with ${fields.join(' and/or ')}`);
  }
  const patch = {};
  for (const field of fields) {
    if (body[field] === undefined) continue;
    if (typeof body[field] !== 'string') throw new HttpError(400, `${field} must be a string`);
    patch[field] = body[field];
  }
  for (const field of required) {
    if (!patch[field] || patch[field].trim() === '') throw new HttpError(400, `${field} is required`);
  }
  if (Object.keys(patch).length === 0) {
    throw new HttpError(400, `nothing to change: expected ${fields.join(' or ')}`);
  }
  return patch;
}

function outlineTags(chapters) {
  return chapters.flatMap((chapter) => [`chapter:${chapter.id}`, ...sceneTags(chapter.scenes)]);
}

function sceneTags(scenes) {
  return scenes.map((scene) => `scene:${scene.id}`);
}

function sceneContext(scene) {
  const { id, chapterId, storyId, published } = scene;
  return { entityType: 'scene', entityId: id, chapterId, storyId, published };
}

/**
 * Builds the API dispatcher over one store. Writes look the entity up before reading the body
 * (an unknown id is a 404 whatever the body) and again after, since the body arrives
 * asynchronously and the entity may have been deleted or reset meanwhile.
 */
export function createApi(store) {
  const studio = [
    ['/studio/api/stories', {
      GET: ({ req, res }) => {
        const stories = store.listStories();
        sendRead(req, res, { stories }, ['stories:mine', ...stories.map((s) => `story:${s.id}`)]);
      },
    }],
    ['/studio/api/stories/:id', {
      GET: ({ req, res, params: { id } }) => {
        const story = found(store.story(id), 'story', id);
        sendRead(req, res, story, [`story:${id}`, ...outlineTags(story.chapters)]);
      },
    }],
    ['/studio/api/stories/:id/write', {
      PATCH: async ({ req, res, params: { id } }) => {
        found(store.story(id), 'story', id);
        const patch = await readFields(req, ['title', 'summary']);
        const story = found(store.updateStory(id, patch), 'story', id);
        const context = { entityType: 'story', entityId: id, published: story.published };
        sendJson(req, res, 200, story, invalidationHeaders(context));
      },
    }],
    ['/studio/api/chapters/:id', {
      GET: ({ req, res, params: { id } }) => {
        const chapter = found(store.chapter(id), 'chapter', id);
        sendRead(req, res, chapter, [`chapter:${id}`, ...sceneTags(chapter.scenes)]);
      },
      PATCH: async ({ req, res, params: { id } }) => {
        found(store.chapter(id), 'chapter', id);
        const patch = await readFields(req, ['title', 'summary']);
        const chapter = found(store.updateChapter(id, patch), 'chapter', id);
        const { storyId, published } = chapter;
        const context = { entityType: 'chapter', entityId: id, storyId, published };
        sendJson(req, res, 200, chapter, invalidationHeaders(context));
      },
    }],
    ['/studio/api/scenes/:id', {
      GET: ({ req, res, params: { id } }) => {
        sendRead(req, res, found(store.scene(id), 'scene', id), [`scene:${id}`]);
      },
      PATCH: async ({ req, res, params: { id } }) => {
        found(store.scene(id), 'scene', id);
        const patch = await readFields(req, ['title', 'text']);
        const scene = found(store.updateScene(id, patch), 'scene', id);
        sendJson(req, res, 200, scene, invalidationHeaders(sceneContext(scene)));
      },
      DELETE: ({ req, res, params: { id } }) => {
        const scene = found(store.deleteScene(id), 'scene', id);
        const { chapterId, storyId } = scene;
        const deleted = { id, chapterId, storyId, deleted: true };
        sendJson(req, res, 200, deleted, invalidationHeaders(sceneContext(scene)));
      },
    }],
  ];

  const novels = [
    ['/novels/api/stories/:id', {
      GET: ({ req, res, params: { id } }) => {
        // Drafts answer 404 like unknown ids, so readers cannot tell that they exist.
        const story = found(store.publishedStory(id), 'published story', id);
        sendRead(req, res, story, [`story:${id}`, ...outlineTags(story.chapters)]);
      },
    }],
  ];

  const community = [
    ['/community/api/posts', {
      GET: ({ req, res }) => {
        const posts = store.listPosts();
        sendRead(req, res, { posts }, ['community:posts', ...posts.map((p) => `post:${p.id}`)]);
      },
      POST: async ({ req, res }) => {
        const post = store.createPost(await readFields(req, ['title', 'body'], ['title', 'body']));
        sendJson(req, res, 201, post, invalidationHeaders({ entityType: 'post', entityId: post.id }));
      },
    }],
    ['/community/api/posts/:postId', {
      GET: ({ req, res, params: { postId } }) => {
        sendRead(req, res, found(store.post(postId), 'post', postId), [`post:${postId}`]);
      },
    }],
    ['/community/api/posts/:postId/like', {
      // No body: the demo has one user, and a like is a toggle.
      POST: ({ req, res, params: { postId } }) => {
        const like = found(store.toggleLike(postId), 'post', postId);
        sendJson(req, res, 200, like, invalidationHeaders({ entityType: 'like', postId }));
      },
    }],
    ['/community/api/posts/:postId/replies', {
      POST: async ({ req, res, params: { postId } }) => {
        found(store.post(postId), 'post', postId);
        const fields = await readFields(req, ['body'], ['body']);
        const post = found(store.addReply(postId, fields), 'post', postId);
        const reply = post.replies[post.replies.length - 1];
        const context = { entityType: 'reply', entityId: reply.id, postId };
        sendJson(req, res, 201, post, invalidationHeaders(context));
      },
    }],
  ];

  return createRouter([...studio, ...novels, ...community]);
}

/** The path prefixes this API owns: anything under them that no route matches is a JSON 404. */
export const API_PREFIXES = ['/studio/api/', '/novels/api/', '/community/api/'];

export function isApiPath(path) {
  return API_PREFIXES.some((prefix) => path.startsWith(prefix) || path === prefix.slice(0, -1));
}
