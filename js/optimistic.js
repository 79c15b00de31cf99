// Optimistic updates for the common shapes, named as in the reference app. Each returns a
// function of the current value for `mutate(url, { optimisticData })`; none changes its input.

const at = (current, field) => (field === undefined ? current : current?.[field]);
const put = (current, field, value) => (field === undefined ? value : { ...current, [field]: value });

/** Appends `item` to the array (or to the array at `current[field]`). */
export function createOptimisticAppend(item, field) {
  return (current) => put(current, field, [...(at(current, field) ?? []), item]);
}

/** Merges `patch` into the object. */
export function createOptimisticMerge(patch) {
  return (current) => ({ ...current, ...patch });
}

/** Adds `by` (default 1) to the number (or to the number at `current[field]`). */
export function createOptimisticIncrement(field, by = 1) {
  return (current) => put(current, field, (at(current, field) ?? 0) + by);
}

/** Merges `patch` into the array item whose `idKey` (default `id`) is `id`. */
export function createOptimisticArrayUpdate(id, patch, { field, idKey = 'id' } = {}) {
  return (current) => put(current, field, (at(current, field) ?? []).map((item) => (item?.[idKey] === id ? { ...item, ...patch } : item)));
}
