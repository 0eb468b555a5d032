/** A check of a value received from another node: true when it has the shape `T`. */
export type Guard<T> = (u: unknown) => u is T;

export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u);
export const isStr = (u: unknown): u is string => typeof u === "string";
export const isNum = (u: unknown): u is number => typeof u === "number" && Number.isFinite(u);
export const isBool = (u: unknown): u is boolean => typeof u === "boolean";

/** An array of at most `max` items, each passing `g`. */
export function isArrayOf<T>(g: Guard<T>, max: number): Guard<T[]> {
  return (u): u is T[] => Array.isArray(u) && u.length <= max && u.every(g);
}

export function isNullOr<T>(g: Guard<T>): Guard<T | null> {
  return (u): u is T | null => u === null || g(u);
}

/** An object whose every listed field passes its guard (other fields are ignored, never read). */
export function isShape<T>(shape: { readonly [K in keyof T]-?: Guard<T[K]> }): Guard<T> {
  const entries = Object.entries(shape) as [string, Guard<unknown>][];
  return (u): u is T => isRecord(u) && entries.every(([k, g]) => g(u[k]));
}
