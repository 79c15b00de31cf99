// In-memory data of the demo app: a deterministic seed and the store the routes read and write.
//
// Deterministic ids and texts let end-to-end tests name entities (`s1c2x3`) without a lookup,
// and `reset()` rebuilds the seed from scratch so a test never sees another test's edits.
// Every function here returns plain views (fresh objects), never the stored records, so a
// handler cannot mutate the store by accident.

export const ME = 'me';

const STORY_SEEDS = [
  { title: 'The Lighthouse Keeper', summary: 'A keeper counts ships that never arrive.', published: true },
  { title: 'Glass Orchard', summary: 'Fruit that rings like bells, and the girl who tunes it.', published: true },
  { title: 'Untitled Draft', summary: 'Notes for a story about a city under the river.', published: false },
];
const CHAPTERS_PER_STORY = 5;
const SCENES_PER_CHAPTER = 3;

// likeCount includes other users' likes; likedByMe says whether "me" is among them.
const POST_SEEDS = [
  {
    title: 'Welcome to the community',
    body: 'Say hello and share what you are writing.',
    author: 'moderator',
    likeCount: 12,
    likedByMe: true,
  },
  { title: 'How do you outline?', body: 'Scene cards, spreadsheets, or pure chaos?', author: 'ana', likeCount: 5 },
  { title: 'Glass Orchard chapter 3', body: 'That ending! I did not see it coming.', author: 'ben', likeCount: 3 },
  {
    title: 'Looking for beta readers',
    body: 'A 40k-word fantasy novella, finished last week.',
    author: 'chloe',
    likeCount: 0,
  },
];
const REPLY_SEEDS = [
  ['Hello everyone!', 'Glad to be here.'],
  ['Index cards on the floor.', 'I outline after the first draft.'],
  ['Same here.', 'The lighthouse callback was perfect.'],
  ['I can read it this weekend.', 'Happy to help, send it over.'],
];
const REPLY_AUTHORS = ['dora', 'eli'];
// Fixed times so that the seed, and therefore every ETag of the seed, is identical on each start.
const SEED_TIME = Date.parse('2025-01-06T09:00:00.000Z');
const HOUR = 3_600_000;

function sceneText(story, chapter, scene) {
  const where = ['on the stairs', 'by the window', 'at the harbour'][(scene - 1) % 3];
  return `Story ${story}, chapter ${chapter}, scene ${scene}: the light turns ${where}. ` +
    'Nothing has changed, and yet everything has.';
}

function seed() {
  const stories = new Map();
  const chapters = new Map();
  const scenes = new Map();
  STORY_SEEDS.forEach((storySeed, si) => {
    const storyId = `s${si + 1}`;
    const chapterIds = [];
    for (let ci = 1; ci <= CHAPTERS_PER_STORY; ci++) {
      const chapterId = `${storyId}c${ci}`;
      const sceneIds = [];
      for (let xi = 1; xi <= SCENES_PER_CHAPTER; xi++) {
        const sceneId = `${chapterId}x${xi}`;
        const text = sceneText(si + 1, ci, xi);
        scenes.set(sceneId, { id: sceneId, chapterId, storyId, title: `Scene ${xi}`, text });
        sceneIds.push(sceneId);
      }
      const summary = `What happens in chapter ${ci}.`;
      chapters.set(chapterId, { id: chapterId, storyId, title: `Chapter ${ci}`, summary, sceneIds });
      chapterIds.push(chapterId);
    }
    stories.set(storyId, { id: storyId, ...storySeed, chapterIds });
  });

  // The feed shows posts in this order (newest first); new posts are put in front.
  const posts = new Map();
  POST_SEEDS.forEach(({ likedByMe = false, ...postSeed }, pi) => {
    const postId = `p${pi + 1}`;
    const createdAt = SEED_TIME - pi * 24 * HOUR;
    const replies = REPLY_SEEDS[pi].map((body, ri) => ({
      id: `${postId}r${ri + 1}`,
      postId,
      author: REPLY_AUTHORS[ri],
      body,
      createdAt: new Date(createdAt + (ri + 1) * HOUR).toISOString(),
    }));
    const likedBy = likedByMe ? [ME] : [];
    posts.set(postId, { id: postId, ...postSeed, createdAt: new Date(createdAt).toISOString(), likedBy, replies });
  });
  return { stories, chapters, scenes, posts, nextPostNumber: POST_SEEDS.length + 1 };
}

function storyOutline(db, story) {
  return story.chapterIds.map((chapterId) => {
    const chapter = db.chapters.get(chapterId);
    const scenes = chapter.sceneIds.map((id) => ({ id, title: db.scenes.get(id).title }));
    return { id: chapter.id, title: chapter.title, summary: chapter.summary, scenes };
  });
}

function postView(post) {
  return {
    id: post.id,
    title: post.title,
    body: post.body,
    author: post.author,
    createdAt: post.createdAt,
    likeCount: post.likeCount,
    liked: post.likedBy.includes(ME),
    replyCount: post.replies.length,
    replies: post.replies.map((reply) => ({ ...reply })),
  };
}

// Copies only the given string fields, so that a patch cannot add or overwrite anything else.
function applyPatch(record, patch, fields) {
  for (const field of fields) if (patch[field] !== undefined) record[field] = patch[field];
}

/** Creates a store holding a fresh copy of the seed. Each server gets its own. */
export function createStore() {
  let db = seed();

  return {
    reset() {
      db = seed();
    },

    listStories() {
      return [...db.stories.values()].map(({ id, title, summary, published, chapterIds }) =>
        ({ id, title, summary, published, chapterCount: chapterIds.length }));
    },

    story(id) {
      const story = db.stories.get(id);
      if (!story) return null;
      const { title, summary, published } = story;
      return { id, title, summary, published, chapters: storyOutline(db, story) };
    },

    /** The reader's view: published stories only, with every scene's text. */
    publishedStory(id) {
      const story = db.stories.get(id);
      if (!story || !story.published) return null;
      const chapters = story.chapterIds.map((chapterId) => {
        const { title, summary, sceneIds } = db.chapters.get(chapterId);
        const scenes = sceneIds.map((sceneId) => {
          const scene = db.scenes.get(sceneId);
          return { id: scene.id, title: scene.title, text: scene.text };
        });
        return { id: chapterId, title, summary, scenes };
      });
      return { id, title: story.title, summary: story.summary, chapters };
    },

    chapter(id) {
      const chapter = db.chapters.get(id);
      if (!chapter) return null;
      const { storyId, title, summary, sceneIds } = chapter;
      const scenes = sceneIds.map((sceneId) => ({ id: sceneId, title: db.scenes.get(sceneId).title }));
      return { id, storyId, published: db.stories.get(storyId).published, title, summary, scenes };
    },

    scene(id) {
      const scene = db.scenes.get(id);
      if (!scene) return null;
      return { ...scene, published: db.stories.get(scene.storyId).published };
    },

    updateStory(id, patch) {
      const story = db.stories.get(id);
      if (!story) return null;
      applyPatch(story, patch, ['title', 'summary']);
      return this.story(id);
    },

    updateChapter(id, patch) {
      const chapter = db.chapters.get(id);
      if (!chapter) return null;
      applyPatch(chapter, patch, ['title', 'summary']);
      return this.chapter(id);
    },

    updateScene(id, patch) {
      const scene = db.scenes.get(id);
      if (!scene) return null;
      applyPatch(scene, patch, ['title', 'text']);
      return this.scene(id);
    },

    /** Removes a scene and its place in the chapter's outline; returns what it was. */
    deleteScene(id) {
      const scene = this.scene(id);
      if (!scene) return null;
      const chapter = db.chapters.get(scene.chapterId);
      chapter.sceneIds = chapter.sceneIds.filter((sceneId) => sceneId !== id);
      db.scenes.delete(id);
      return scene;
    },

    /** The feed: every post without its replies (their count is kept). */
    listPosts() {
      return [...db.posts.values()].map((post) => {
        const { replies: _replies, ...summary } = postView(post);
        return summary;
      });
    },

    post(id) {
      const post = db.posts.get(id);
      return post ? postView(post) : null;
    },

    createPost({ title, body }) {
      const id = `p${db.nextPostNumber++}`;
      const createdAt = new Date().toISOString();
      const post = { id, title, body, author: ME, createdAt, likeCount: 0, likedBy: [], replies: [] };
      // Newest first: rebuild the map with the new post in front.
      db.posts = new Map([[id, post], ...db.posts]);
      return postView(post);
    },

    /** Toggles the like of the demo's one user; returns the post's new state. */
    toggleLike(id) {
      const post = db.posts.get(id);
      if (!post) return null;
      if (post.likedBy.includes(ME)) {
        post.likedBy = post.likedBy.filter((user) => user !== ME);
        post.likeCount -= 1;
      } else {
        post.likedBy.push(ME);
        post.likeCount += 1;
      }
      return { id, likeCount: post.likeCount, liked: post.likedBy.includes(ME) };
    },

    addReply(postId, { body }) {
      const post = db.posts.get(postId);
      if (!post) return null;
      // Replies are never deleted, so the count gives the next unique number.
      const id = `${postId}r${post.replies.length + 1}`;
      const reply = { id, postId, author: ME, body, createdAt: new Date().toISOString() };
      post.replies.push(reply);
      return postView(post);
    },
  };
}
