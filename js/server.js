// freshet/server: builds the invalidation headers a server sends with its responses.
export { invalidationHeaders, cacheTagsHeader, ENTITY_TYPES } from './server/headers.js';
