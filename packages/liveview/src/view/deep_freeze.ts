/** The methods that change an array in place: on a frozen assign each throws a message that names it. */
const MUTATORS = [
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
] as const;

/**
 * Freezes an assigned value in place, deeply, as development and test do for every assign: a change made in
 * place would never be rendered (a render is only triggered by `assign`), so it must fail where it is
 * made. Only plain objects and arrays are frozen; typed arrays, `Map`, `Set` and class instances are left
 * as they are (and not walked into). An array also gets its mutating methods replaced by ones that throw a
 * `TypeError` naming the assign and saying what to do instead (a frozen array's own `push` error says only
 * "object is not extensible"). What is already frozen is not walked again, which also ends cycles.
 *
 * It freezes the value itself, not a copy: a value the view shares with another process (a broadcast's
 * payload, a store's state) is frozen there too. Assigns are immutable values; share only such values.
 */
export function deepFreezeAssign(key: string, value: unknown): void {
  if (!isFreezable(value)) return;
  // Iterative: a long linked structure must not overflow the stack.
  const todo: { value: object; path: string }[] = [{ value, path: `assigns.${key}` }];
  for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
    const { value: v, path } = item;
    if (Object.isFrozen(v)) continue;
    if (Array.isArray(v)) {
      for (const name of MUTATORS)
        Object.defineProperty(v, name, { value: refuse(path, name, key), enumerable: false });
      Object.freeze(v);
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (isFreezable(x)) todo.push({ value: x, path: `${path}[${i}]` });
      }
    } else {
      Object.freeze(v);
      for (const k of Object.keys(v)) {
        const x: unknown = (v as Record<string, unknown>)[k];
        if (isFreezable(x)) todo.push({ value: x, path: `${path}.${k}` });
      }
    }
  }
}

function isFreezable(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function refuse(path: string, method: string, key: string): () => never {
  const example =
    path === `assigns.${key}`
      ? `socket.assign({ ${key}: [...socket.assigns.${key}, item] }), or socket.update("${key}", (xs) => xs.filter(...))`
      : `socket.update("${key}", (old) => ...) returning new arrays and objects along the way`;
  return () => {
    throw new TypeError(
      `${path}.${method}(): assigns are immutable (frozen in development and test), and a change made in ` +
        `place would never be rendered. Assign a new array instead: ${example}`,
    );
  };
}
