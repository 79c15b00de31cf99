// Community: the feed and a post with its replies. A like is an optimistic toggle of the post
// in the feed and on its page at once; likes of one post are sent one after another (a serial
// scope), and a failed one rolls back to what the server holds and says so.
import { h } from '../ui.js';

const feedUrl = '/community/api/posts';
const postUrl = (id) => `/community/api/posts/${id}`;

const toggle = (post) => ({ ...post, liked: !post.liked, likeCount: post.likeCount + (post.liked ? -1 : 1) });

/** The optimistic like of post `id`, for the feed's shape and the post's shape alike. */
const optimisticLike = (id) => (value) => {
  if (value === undefined) return value;
  if (Array.isArray(value.posts)) return { ...value, posts: value.posts.map((p) => (p.id === id ? toggle(p) : p)) };
  return toggle(value);
};

/** Toggles the like of post `id`; the feed and the post page see it at once. */
function like(ctx, id) {
  return ctx.cache.mutate([feedUrl, postUrl(id)], {
    optimisticData: optimisticLike(id),
    request: { url: `${postUrl(id)}/like`, method: 'POST' },
    scope: `like:${id}`,
  }).catch(ctx.fail);
}

function likeButton(ctx, post) {
  return h('button', {
    type: 'button',
    class: 'like',
    'aria-pressed': String(post.liked),
    'aria-label': `${post.liked ? 'Unlike' : 'Like'} “${post.title}”`,
    dataset: { post: post.id, count: String(post.likeCount) },
    onclick: () => like(ctx, post.id),
  }, `♥ ${post.likeCount}`);
}

/** `#/community`: the feed, likes, and a form for a new post. */
export async function feed(ctx) {
  const title = h('input', { id: 'post-title', placeholder: 'Title', required: true });
  const body = h('textarea', { id: 'post-body', placeholder: 'What are you writing?', required: true, rows: 3 });
  const list = h('ul', { class: 'cards', id: 'feed' });
  const publish = async (event) => {
    event.preventDefault();
    try {
      const response = await ctx.send(feedUrl, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: title.value, body: body.value }),
      });
      await response.json();
      title.value = '';
      body.value = '';
    } catch (error) {
      ctx.fail(error);
    }
  };
  const show = ({ posts }) => list.replaceChildren(...posts.map((post) => h('li', { dataset: { post: post.id } },
    h('a', { href: `#/community/${post.id}`, dataset: { prefetch: postUrl(post.id) } }, h('strong', {}, post.title)),
    h('div', { class: 'muted' }, `${post.author} · ${post.replyCount} replies`),
    h('p', { class: 'row' }, likeButton(ctx, post)),
  )));
  ctx.el.replaceChildren(
    h('h1', {}, 'Community'),
    h('form', { onsubmit: publish }, title, body, h('p', {}, h('button', { type: 'submit', class: 'primary' }, 'Post'))),
    list,
  );
  show(await ctx.read(feedUrl));
  ctx.watch(feedUrl, show);
  ctx.prefetchLinks(list);
}

/** `#/community/:post`: a post, its like button and its replies. */
export async function post(ctx) {
  const [postId] = ctx.params;
  const url = postUrl(postId);
  const reply = h('textarea', { id: 'reply-body', placeholder: 'Reply', required: true, rows: 2 });
  const article = h('article', {});
  const send = async (event) => {
    event.preventDefault();
    const text = reply.value;
    try {
      await ctx.cache.mutate(url, {
        optimisticData: (p) => p && { ...p, replies: [...p.replies, { id: 'pending', author: 'me', body: text }] },
        request: { url: `${url}/replies`, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ body: text }) },
        populateCache: true,
      });
      reply.value = '';
    } catch (error) {
      ctx.fail(error);
    }
  };
  const show = (p) => article.replaceChildren(
    h('h1', {}, p.title),
    h('p', { class: 'muted' }, `${p.author} · ${new Date(p.createdAt).toLocaleDateString('en')}`),
    h('p', {}, p.body),
    h('p', {}, likeButton(ctx, p)),
    h('h2', {}, `Replies (${p.replies.length})`),
    h('ul', { class: 'cards', id: 'replies' }, p.replies.map((r) => h('li', {}, h('strong', {}, r.author), ' ', r.body))),
  );
  ctx.el.replaceChildren(
    h('p', {}, h('a', { href: '#/community' }, '← Community')),
    article,
    h('form', { onsubmit: send }, reply, h('p', {}, h('button', { type: 'submit', class: 'primary' }, 'Reply'))),
  );
  show(await ctx.read(url));
  ctx.watch(url, show);
}
