import { asyncContext, callerOrThrow, isAsyncFunction, runAs, running } from "./context.js";
import { describeValue } from "./describe.js";
import { DEAD, type Proc } from "./process.js";
import type { Runtime } from "./runtime.js";

/**
 * Binds `fn` to the calling process, for a callback that runs later, outside any handler (a `setTimeout`, an
 * event listener, a library's callback): when called, `fn` runs as this process, so `self()`, `send`,
 * `link` and the rest act for it, and if it throws (or its promise rejects) this process crashes with that
 * error, as if a handler had thrown, instead of Node ending on an uncaught exception. Once the process has
 * exited, the bound function does nothing and returns `undefined`.
 *
 * ```ts
 * handleInfo(msg, state) {
 *   emitter.on("data", asSelf((chunk) => send(self(), { chunk })));
 *   return state;
 * }
 * ```
 *
 * For a message later, `sendAfter(self(), msg, ms)` is simpler (and cancelled when the process exits).
 */
export function asSelf<Args extends unknown[], R>(
  fn: (...args: Args) => R,
): (...args: Args) => R | undefined {
  const p = callerOrThrow("asSelf");
  if (typeof fn !== "function") throw new TypeError(`asSelf: expected a function, got ${describeValue(fn)}`);
  const async = isAsyncFunction(fn);
  // An async callback needs the async context to know its process after an await (see context.ts).
  if (async) running.asyncUsed = true;
  return (...args: Args): R | undefined => {
    if (p.flags & DEAD) return undefined;
    let r: R;
    try {
      r = async ? asyncContext.run(p, () => runAs(p, callWith, fn, args)) : runAs(p, callWith, fn, args);
    } catch (err) {
      crash(p, err);
      return undefined;
    }
    if (r instanceof Promise)
      return r.then(undefined, (err: unknown) => {
        crash(p, err);
        return undefined;
      }) as R;
    return r;
  };
}

function callWith<Args extends unknown[], R>(_p: Proc, fn: (...args: Args) => R, args: Args): R {
  return fn(...args);
}

function crash(p: Proc, err: unknown): void {
  // Every process's runtime is a Runtime (see api.ts).
  (p.rt as Runtime).crashProc(p, err);
}
