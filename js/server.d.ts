export { invalidationHeaders, cacheTagsHeader, ENTITY_TYPES } from './server/headers.js';
export type * from './server/headers.js';
