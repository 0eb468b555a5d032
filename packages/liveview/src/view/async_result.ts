import type { Dynamic } from "../render/rendered.js";

/**
 * The state of an assign loaded by `socket.assignAsync` (Phoenix's `AsyncResult`): `loading` until the work
 * finishes, then `ok` with its `result`, or `failed` with its `reason`. A reload (`assignAsync` again on the
 * same keys) is `loading` again but keeps the last `result` (and `ok`), so a page can keep showing it.
 * Immutable: each change is a new value, so change tracking sees it.
 */
export class AsyncResult<T = unknown> {
  private constructor(
    /** Where the work is: `loading`, done (`ok`), or `failed`. */
    readonly status: "loading" | "ok" | "failed",
    /** The value of the last successful load, if there was one. */
    readonly result: T | undefined,
    /** Whether a load ever succeeded (then `result` holds its value). */
    readonly ok: boolean,
    /** Why the last load failed (what it threw or rejected with, or `{ cancelled: reason }`), else undefined. */
    readonly failed: unknown,
  ) {
    Object.freeze(this);
  }

  /** True while loading. */
  get loading(): boolean {
    return this.status === "loading";
  }

  /** A load in progress, keeping `previous`'s result, if any. */
  static loading<T>(previous?: AsyncResult<T>): AsyncResult<T> {
    return new AsyncResult<T>("loading", previous?.result, previous?.ok ?? false, undefined);
  }

  /** A finished load. */
  static ok<T>(result: T): AsyncResult<T> {
    return new AsyncResult<T>("ok", result, true, undefined);
  }

  /** A failed load, keeping `previous`'s result, if any. */
  static failed<T>(reason: unknown, previous?: AsyncResult<T>): AsyncResult<T> {
    return new AsyncResult<T>("failed", previous?.result, previous?.ok ?? false, reason);
  }
}

/** What {@link asyncResult} renders for each state of an {@link AsyncResult}. */
export interface AsyncSlots<T> {
  /** While loading (default: nothing). */
  loading?: () => Dynamic;
  /** Once loaded, with the result. */
  ok: (result: T) => Dynamic;
  /** After a failure, with its reason (default: nothing). */
  failed?: (reason: unknown) => Dynamic;
}

/**
 * Renders an {@link AsyncResult} by its state, as Phoenix's `<.async_result>`:
 *
 * ```ts
 * html`${asyncResult(org, {
 *   loading: () => html`<p>Loading…</p>`,
 *   ok: (org) => html`<h1>${org.name}</h1>`,
 *   failed: () => html`<p>Could not load the organization</p>`,
 * })}`
 * ```
 */
export function asyncResult<T>(value: AsyncResult<T> | undefined, slots: AsyncSlots<T>): Dynamic {
  if (!(value instanceof AsyncResult))
    throw new TypeError("asyncResult: expected an AsyncResult (an assign set by socket.assignAsync)");
  if (value.status === "loading") return slots.loading?.();
  if (value.status === "failed") return slots.failed?.(value.failed);
  return slots.ok(value.result as T);
}
