import { AsyncLocalStorage } from "node:async_hooks";
import { OutsideProcessError } from "./outside_process.js";
import type { Pid } from "./pid.js";
import type { Proc } from "./process.js";

/**
 * Which process is running. The synchronous part of every handler sets `running.proc` (a plain variable:
 * free). Only handlers that are `async` functions also run inside `asyncContext`, so `self()` still works
 * after an `await`. We enter AsyncLocalStorage only when needed because, on Node 20, once any context has
 * been entered every `await` in the whole process gets about 3x slower (promise hooks are installed).
 * `adopter` is set while a supervisor acts through `asParent`.
 */
export const running: { proc: Proc | null; asyncUsed: boolean; adopter: Proc | null } = {
  proc: null,
  asyncUsed: false,
  adopter: null,
};

export const asyncContext = new AsyncLocalStorage<Proc>();

/** The calling process, or null when called from outside any process. */
export function currentProc(): Proc | null {
  const p = running.proc;
  if (p !== null) return p;
  return running.asyncUsed ? (asyncContext.getStore() ?? null) : null;
}

/** True when `fn` is declared `async` (so it needs the async context to know its process after `await`). */
export function isAsyncFunction(fn: unknown): boolean {
  // Every spawn asks this of each callback. `Symbol.toStringTag` is "AsyncFunction" on the prototype of every
  // async function, of this realm or another (a `vm` context), and reading it is a property load that V8
  // caches by the function's map; `Object.getPrototypeOf` on a function went through a runtime call.
  return (
    typeof fn === "function" &&
    (fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "AsyncFunction"
  );
}

/** Runs `fn` outside any process's async context, so callbacks it schedules do not inherit one. */
export function outsideContext<T>(fn: () => T): T {
  return running.asyncUsed ? asyncContext.exit(fn) : fn();
}

/**
 * Calls `fn(p, a, b)` as process `p` (`self()` names `p` in it) and makes the process that was running before
 * the running one again afterwards, even when `fn` throws. Arguments are passed through rather than closed
 * over, so spawning a process allocates no closure.
 */
export function runAs<A, B, R>(p: Proc, fn: (p: Proc, a: A, b: B) => R, a: A, b: B): R {
  const prev = running.proc;
  running.proc = p;
  try {
    return fn(p, a, b);
  } finally {
    running.proc = prev;
  }
}

/**
 * @internal The supervisor's one entry into the kernel. Returns a function that runs `fn` as the process
 * `parent` (alive now), also later from a callback after an await, when no process is running: `self`,
 * `spawn`'s `link`, `link`, `unlink` and `exit` in `fn` act for `parent`. A process that `fn` links to and
 * that has no parent takes `parent` as its parent, as a child spawned with `{ link: true }` does, so the
 * gen_server rule (an exit signal from the parent ends a trapping behaviour) holds for the children a
 * supervisor adopts.
 */
export function asParent(parent: Pid): <T>(fn: () => T) => T {
  const p = parent._p;
  if (p === null) throw new Error(`asParent: ${parent} is not alive`);
  return <T>(fn: () => T): T => {
    const prev = running.adopter;
    running.adopter = p;
    try {
      return runAs(p, callFn, fn, undefined) as T;
    } finally {
      running.adopter = prev;
    }
  };
}

function callFn(_p: Proc, fn: () => unknown): unknown {
  return fn();
}

/** The calling process, or a clear error for functions that only make sense inside one. */
export function callerOrThrow(fn: string): Proc {
  const p = currentProc();
  if (p === null) throw new OutsideProcessError(fn);
  return p;
}
