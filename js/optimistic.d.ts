/** Appends `item` to the array. */
export declare function createOptimisticAppend<T>(item: T): (current: readonly T[] | undefined) => T[];
/** Appends `item` to the array at `current[field]`. */
export declare function createOptimisticAppend<T, O extends object = Record<string, unknown>>(item: T, field: string): (current: O | undefined) => O;
/** Merges `patch` into the object. */
export declare function createOptimisticMerge<T extends object>(patch: Partial<T>): (current: T | undefined) => T;
/** Adds `by` (default 1) to the number. */
export declare function createOptimisticIncrement(field?: undefined, by?: number): (current: number | undefined) => number;
/** Adds `by` (default 1) to the number at `current[field]`. */
export declare function createOptimisticIncrement<O extends object = Record<string, unknown>>(field: string, by?: number): (current: O | undefined) => O;
/** Merges `patch` into the array item whose `id` is `id`. */
export declare function createOptimisticArrayUpdate<T extends object>(id: unknown, patch: Partial<T>): (current: readonly T[] | undefined) => T[];
/** Merges `patch` into the item whose `idKey` (default `id`) is `id`, in the array at `current[field]`. */
export declare function createOptimisticArrayUpdate<T extends object, O extends object = Record<string, unknown>>(
  id: unknown,
  patch: Partial<T>,
  options: { field?: string; idKey?: string },
): (current: O | undefined) => O;
